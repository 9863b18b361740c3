import type { TaskSnapshot, TaskStatus } from './task.types';

/** What is kept of a task across restarts: its last snapshot and its labels. */
export interface StoredTask {
  snapshot: TaskSnapshot;
  labels: Readonly<Record<string, string>>;
}

/**
 * What is written on a change: the snapshot already serialized for the pollers (so the
 * store never serializes it again) and the fields a store may index.
 */
export interface TaskToSave {
  taskId: string;
  status: TaskStatus;
  createdAt: string;
  snapshotJson: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Durable copy of task records, written behind the in-memory state on changes and read
 * only at start. Never touched by the status path. A Redis-backed store can implement it.
 */
export abstract class TaskStore {
  abstract loadAll(): Promise<StoredTask[]>;
  abstract saveMany(tasks: TaskToSave[]): Promise<void>;
  abstract removeMany(taskIds: string[]): Promise<void>;
}

/** Keeps nothing: tasks live as long as the process. */
export class NullTaskStore extends TaskStore {
  async loadAll(): Promise<StoredTask[]> {
    return [];
  }
  async saveMany(): Promise<void> {}
  async removeMany(): Promise<void> {}
}
