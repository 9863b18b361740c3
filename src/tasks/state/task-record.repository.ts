import type { TaskRecord } from '../task.types';

/**
 * Port: the durable history of tasks (the `tasks` table). Written through by the state store
 * before a version becomes visible, read only at start (restore). Never on the status path.
 */
export abstract class TaskRecordRepository {
  abstract loadAll(): Promise<TaskRecord[]>;
  /** Saves a version with its snapshot as sent to clients; an older version never overwrites a newer one. */
  abstract save(task: TaskRecord, snapshotJson: string): Promise<void>;
  abstract removeMany(taskIds: readonly string[]): Promise<void>;
}

/** Keeps nothing: tasks live as long as the process (unit tests, tools). */
export class NullTaskRecordRepository extends TaskRecordRepository {
  async loadAll(): Promise<TaskRecord[]> {
    return [];
  }
  async save(): Promise<void> {}
  async removeMany(): Promise<void> {}
}
