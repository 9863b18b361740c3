/** Lifecycle of a task: PENDING → PROCESSING → COMPLETED | FAILED, never backwards. */
/** The four statuses of a task, in lifecycle order: the one list (DTOs, rules, metrics read it). */
export const TASK_STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['COMPLETED', 'FAILED'];

export interface TaskProgress {
  current: number;
  total: number;
  /** floor(100 · current / total); 0 when total is 0; 100 once COMPLETED. */
  percentage: number;
  /** A segment in progress right now (the one started last). */
  current_segment_id?: string;
  /** Every segment in progress right now, in the order they started (several workers). */
  current_segment_ids?: readonly string[];
}

export interface CompletedSegment {
  segment_id: string;
  audio_url: string;
  duration: number;
}

export interface TaskErrorEntry {
  /** null for a failure of the whole task (crash, cancel, restart). */
  segment_id: string | null;
  error: string;
}

/**
 * The status answer, exactly as the contract names its fields. A snapshot is frozen and
 * never changes: a later update produces a new snapshot.
 */
export interface TaskSnapshot {
  readonly task_id: string;
  readonly status: TaskStatus;
  readonly progress: Readonly<TaskProgress>;
  readonly completed_segments: readonly Readonly<CompletedSegment>[];
  readonly errors: readonly Readonly<TaskErrorEntry>[];
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
}

/** What the creator of a task says about it up front. */
export interface NewTask {
  /** Number of items (segments) the task will process. */
  total: number;
  /** Free-form labels kept with the task (for instance the project it belongs to). */
  labels?: Readonly<Record<string, string>>;
  /**
   * Names this task holds while unfinished (`segment:<id>`, `batch:<project>`). Creation is
   * refused with TaskClaimConflictError when one of `exclusive` is held by another unfinished
   * task; `claims` are taken without that check. A claim is let go when its segment settles,
   * and all of them when the task ends.
   */
  exclusive?: readonly string[];
  claims?: readonly string[];
}

/** A segment that finished with audio or failed: its entry and `current` move together. */
export type SegmentOutcome =
  | { readonly segmentId: string; readonly completed: CompletedSegment }
  | { readonly segmentId: string; readonly error: string };

/**
 * Everything known about a task: the published snapshot's facts plus the bookkeeping that
 * never reaches a client. Plain JSON, so a shared store can hold it. Records are immutable:
 * a change produces a new record with `version + 1` (see task-transitions.ts).
 */
export interface TaskRecord {
  readonly id: string;
  /** 1 at creation, +1 per change; never reused for other content, even across restarts. */
  readonly version: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: TaskStatus;
  readonly current: number;
  readonly total: number;
  /** Segments started and not settled yet, oldest first. */
  readonly inProgress: readonly string[];
  readonly completed: readonly Readonly<CompletedSegment>[];
  readonly errors: readonly Readonly<TaskErrorEntry>[];
  /** Names held while unfinished (see NewTask). */
  readonly claims: readonly string[];
  /**
   * Segments whose audio is being recorded right now (write-ahead intents): after a crash,
   * restore keeps the ones whose audio really was recorded, and drops the others.
   */
  readonly recording: readonly Readonly<CompletedSegment>[];
  /** Process that runs the task (restore fails only tasks of processes that are gone). */
  readonly owner: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** An item of the task list: the snapshot without its segment lists, with the task's labels. */
export type TaskSummary = Omit<TaskSnapshot, 'completed_segments' | 'errors'> & {
  readonly labels: Readonly<Record<string, string>>;
};
