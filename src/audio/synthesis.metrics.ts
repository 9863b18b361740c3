import { Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';
import { SynthesisAbortedError } from './engine/tts-engine.errors';

/** How one segment's synthesis ended. */
export type SegmentOutcome = 'completed' | 'failed' | 'cancelled';

/** Segment synthesis takes from a tenth of a second (a word) to a minute (a long page). */
const SYNTHESIS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80];

/**
 * The audio module's own metrics, recorded as segments are synthesized, in a registry of its
 * own: MetricsModule merges it into what `/metrics` shows, so audio depends on no metrics
 * module (and the registry is never prom-client's global one, so two apps in one process —
 * the e2e tests — do not collide).
 */
@Injectable()
export class SynthesisMetrics {
  readonly registry = new Registry();
  private readonly segmentSeconds = new Histogram({
    name: 'storyflow_segment_synthesis_seconds',
    help: 'Time the speech engine took to synthesize one segment, by outcome',
    labelNames: ['outcome'],
    buckets: SYNTHESIS_BUCKETS,
    registers: [this.registry],
  });

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
}
