import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { SynthesisMetrics } from '../audio/synthesis.metrics';

/**
 * What `/metrics` shows: the process's default metrics and the status requests answered (in
 * a registry of its own, never prom-client's global one, so two apps in one process — the e2e
 * tests — do not collide), merged with the registries the feature modules own (audio: segment
 * synthesis times). Gauges read at scrape time are registered by PipelineMetricsCollector.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  /**
   * Status requests not yet added to the counter, by status code. Counting is a plain integer
   * increment per poll; prom-client's `inc()` (label validation and hashing, ~1 % of a poll's
   * CPU, docs/PERFORMANCE.md) runs once per code and scrape, in the counter's `collect()`.
   */
  private readonly pendingStatusRequests = new Map<number, number>();
  private readonly statusRequests: Counter<'code'>;

  constructor(private readonly synthesis: SynthesisMetrics) {
    const pending = this.pendingStatusRequests;
    this.statusRequests = new Counter({
      name: 'storyflow_task_status_requests_total',
      help: 'GET /api/tasks/{task_id}/status/ requests answered, by HTTP status code',
      labelNames: ['code'],
      registers: [this.registry],
      collect(this: Counter<'code'>) {
        for (const [code, count] of pending) this.inc({ code: String(code) }, count);
        pending.clear();
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one answered status request. */
  countStatusRequest(statusCode: number): void {
    this.pendingStatusRequests.set(
      statusCode,
      (this.pendingStatusRequests.get(statusCode) ?? 0) + 1,
    );
  }

  /** `Content-Type` of `render()`: `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric, gauges collected now (merged per scrape: a few metrics). */
  render(): Promise<string> {
    return Registry.merge([this.registry, this.synthesis.registry]).metrics();
  }
}
