import type { TaskChange } from '../task-transitions';
import type { TaskRecord, TaskStatus, TaskSummary } from '../task.types';

export interface TaskListFilter {
  status?: TaskStatus;
  labels?: Readonly<Record<string, string>>;
}

/** What an adapter enforces, from the configuration (MAX_ACTIVE_TASKS, TASK_RETENTION_...). */
export interface TaskStatePolicy {
  /** Unfinished tasks accepted at once; beyond, `create` throws TooManyActiveTasksError. */
  maxActive: number;
  /** Seconds a finished task stays queryable. */
  retentionSeconds: number;
  /** Finished tasks kept at most; the oldest are evicted first. */
  maxRetained: number;
}

export const TASK_STATE_POLICY = Symbol('TASK_STATE_POLICY');

/** Says which of some segments really have their audio recorded (facts, for restore). */
export type RecordedSegments = (segmentIds: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * Port: the source of truth of every task. The in-memory adapter serves one process; a
 * shared store (Redis) implements the same contract (`task-state.store.contract.ts`) so
 * that any node can answer any task. Every method is atomic per task:
 *
 * - `create` refuses, atomically and across every process sharing the store, an id in use
 *   (TaskExistsError), an `exclusive` claim held by an unfinished task (TaskClaimConflictError
 *   naming the holder: the duplicate guard), and more than `maxActive` unfinished tasks
 *   (TooManyActiveTasksError: backpressure).
 * - `update` applies one change by the rules of task-transitions.ts as a compare-and-set on
 *   the version: versions grow by one, a reader never sees a version go backwards, and a
 *   version is readable only once it is durable (what a poll showed survives a crash).
 * - Retention, backpressure and restore are the adapter's written-down policies.
 */
export abstract class TaskStateStore {
  /** Stores a new task, stamped with this process as its owner. */
  abstract create(task: TaskRecord, exclusive: readonly string[]): Promise<TaskRecord>;

  /** The new version, or null when the task is unknown or the change does not apply. */
  abstract update(taskId: string, change: TaskChange): Promise<TaskRecord | null>;

  abstract get(taskId: string): Promise<TaskRecord | undefined>;

  /**
   * The task without waiting, when this adapter can answer from this process's memory (the
   * status poll's path: no promise per poll): the record, `null` for an id it does not hold,
   * or `undefined` when only `get` can say (a shared store, the default).
   */
  peek(_taskId: string): TaskRecord | null | undefined {
    return undefined;
  }

  /** Matching tasks, newest first, without their segment lists. */
  abstract list(filter?: TaskListFilter): Promise<TaskSummary[]>;

  /** Tasks held, by status (monitoring). */
  abstract counts(): Promise<Record<TaskStatus, number>>;

  /**
   * Takes over the tasks of processes that are gone: each unfinished one ends FAILED
   * "Interrupted by server restart", keeping the segments that `recorded` confirms.
   * Never touches a task whose owner process is alive. Resolves with how many were restored.
   */
  abstract restore(recorded: RecordedSegments): Promise<number>;

  /** Forgets finished tasks past retention; resolves with the ids forgotten. */
  abstract sweep(now?: number): Promise<string[]>;
}
