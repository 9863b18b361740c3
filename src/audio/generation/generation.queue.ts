/** One segment to synthesize: what a worker needs, nothing more (it can cross a process). */
export interface SegmentJob {
  segmentId: string;
  projectId: string;
  text: string;
}

/** Voice and speed, fixed when a task is accepted. */
export interface VoiceChoice {
  engineVoice: string;
  speed: number;
}

/** A task's segments, to be synthesized in order, each reported into the task. */
export interface GenerationRun {
  taskId: string;
  segments: SegmentJob[];
  voice: VoiceChoice;
}

/** Load of the generation pipeline at one instant, for health and metrics. */
export interface GenerationStats {
  /** Segments waiting for their turn. */
  queued: number;
  /** Segments handed to the engine (synthesizing, or next in a worker's line). */
  running: number;
  /** Segments synthesized whose audio and record are being written. */
  finishing: number;
  /** Engine workers synthesizing right now. */
  busy: number;
  workers: number;
}

export const INTERRUPTED_BY_SHUTDOWN = 'Interrupted by server shutdown';

/**
 * Port: where accepted generation work waits for the engine, and who runs it. The queue
 * owns a run from `enqueue` on: each segment goes through the `SegmentPipeline` (which
 * settles it in the task, success or failure), segments of concurrent tasks take turns
 * (fairness), a cancel of the task stops its queued segments and aborts the running ones,
 * and when every segment has settled the queue finishes the task (or fails it, when a
 * shutdown interrupted it). The in-process adapter is `InProcessGenerationQueue` (the fair
 * scheduler in front of the engine's worker pool); a shared queue implements the same, its
 * workers running the same pipeline. `generation-queue.contract.ts` is the suite every
 * adapter passes.
 */
export abstract class GenerationQueue {
  /**
   * Resolves when new work can be accepted: the engine has started. Throws
   * ShuttingDownError while the queue stops, SpeechEngineUnavailableError when the engine
   * is down.
   */
  abstract ensureAccepting(): Promise<void>;

  /** Takes a run whose task exists (created by the caller); resolves once it is queued. */
  abstract enqueue(run: GenerationRun): Promise<void>;

  abstract stats(): GenerationStats;
}
