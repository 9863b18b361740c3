/** Lifecycle of a task: PENDING → PROCESSING → COMPLETED | FAILED, never backwards. */
export type TaskStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['COMPLETED', 'FAILED'];

export interface TaskProgress {
  current: number;
  total: number;
  /** floor(100 · current / total); 0 when total is 0; 100 once COMPLETED. */
  percentage: number;
  current_segment_id?: string;
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
}

/** An item of the task list: the snapshot without its segment lists, with the task's labels. */
export type TaskSummary = Omit<TaskSnapshot, 'completed_segments' | 'errors'> & {
  readonly labels: Readonly<Record<string, string>>;
};
