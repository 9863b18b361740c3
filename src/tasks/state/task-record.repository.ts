import type { TaskRecord } from '../task.types';

/**
 * Port: the durable history of tasks (the `tasks` table). Written through by the state store
 * before a version becomes visible, read only at start (restore). Never on the status path.
 */
export abstract class TaskRecordRepository {
  abstract loadAll(): Promise<TaskRecord[]>;
  /**
   * Saves a version; an older version never overwrites a newer one. `previous` is the
   * version this one was made from (stored before it): an adapter may write only what changed
   * since, so that the cost of a version does not grow with the task's segment lists.
   */
  abstract save(task: TaskRecord, previous?: TaskRecord): Promise<void>;
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
