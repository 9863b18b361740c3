import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { SynthesisAbortedError } from '../audio/engine/tts-engine.errors';

/** How one segment's synthesis ended. */
export type SegmentOutcome = 'completed' | 'failed' | 'cancelled';

/** Segment synthesis takes from a tenth of a second (a word) to a minute (a long page). */
const SYNTHESIS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80];

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global
 * one, so two apps in one process — the e2e tests — do not collide). Holds the metrics fed
 * by events: segment synthesis times and status requests served. Gauges read at scrape time
 * are registered by PipelineMetricsCollector.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly segmentSeconds: Histogram<'outcome'>;
  private readonly statusRequests: Counter<'code'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.segmentSeconds = new Histogram({
      name: 'storyflow_segment_synthesis_seconds',
      help: 'Time the speech engine took to synthesize one segment, by outcome',
      labelNames: ['outcome'],
      buckets: SYNTHESIS_BUCKETS,
      registers: [this.registry],
    });
    this.statusRequests = new Counter({
      name: 'storyflow_task_status_requests_total',
      help: 'GET /api/tasks/{task_id}/status/ requests answered, by HTTP status code',
      labelNames: ['code'],
      registers: [this.registry],
    });
  }

  /** Records one segment's synthesis time. */
  observeSegment(seconds: number, outcome: SegmentOutcome): void {
    this.segmentSeconds.observe({ outcome }, seconds);
  }

  /**
   * Runs one segment's synthesis and records its time: `completed` when it resolves,
   * `cancelled` when it rejects with SynthesisAbortedError, `failed` otherwise. The result or
   * error passes through unchanged.
   */
  async timeSynthesis<T>(synthesis: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await synthesis();
      this.observeSegment(seconds(), 'completed');
      return result;
    } catch (error) {
      this.observeSegment(
        seconds(),
        error instanceof SynthesisAbortedError ? 'cancelled' : 'failed',
      );
      throw error;
    }
  }

  /** Counts one answered status request. */
  countStatusRequest(statusCode: number): void {
    this.statusRequests.inc({ code: String(statusCode) });
  }

  /** `Content-Type` of `render()`: `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric, gauges collected now. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
