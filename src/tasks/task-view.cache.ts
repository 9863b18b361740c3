import { createHash } from 'node:crypto';
import { isTerminal, snapshotOf } from './task-transitions';
import type { TaskRecord, TaskSnapshot, TaskStatus } from './task.types';

/** A version of a task in the form a poll sends: built once, then only looked up. */
export interface TaskView {
  readonly status: TaskStatus;
  /** For a finished task, parsed anew from `json` on each read (it keeps only the JSON). */
  readonly snapshot: TaskSnapshot;
  /** The snapshot serialized as JSON, ready to send. */
  readonly json: string;
  /**
   * Strong ETag from the task id and the version. Versions are stored before they are shown
   * and a restore only adds versions, so an ETag never names two contents, across restarts
   * and on every node.
   */
  readonly etag: string;
}

interface Entry {
  readonly version: number;
  readonly view: TaskView;
}

/**
 * Views keyed by (task id, version): the latest one of each task is kept, so a poll of an
 * unchanged task is a map lookup, and a new version is serialized once for every poller,
 * the event stream and the durable record alike.
 */
export class TaskViewCache {
  private readonly entries = new Map<string, Entry>();

  viewOf(task: TaskRecord): TaskView {
    const cached = this.entries.get(task.id);
    if (cached && cached.version === task.version) return cached.view;
    if (cached && cached.version > task.version) return buildView(task); // a late reader
    const view = buildView(task);
    this.entries.set(task.id, { version: task.version, view });
    return view;
  }

  forget(taskIds: Iterable<string>): void {
    for (const id of taskIds) this.entries.delete(id);
  }
}

function buildView(task: TaskRecord): TaskView {
  const snapshot = snapshotOf(task);
  const json = JSON.stringify(snapshot);
  const etag = `"${createHash('sha1').update(task.id).digest('base64url').slice(0, 10)}-${task.version}"`;
  if (!isTerminal(task.status)) return Object.freeze({ status: task.status, snapshot, json, etag });
  // A finished task never changes and may be kept for a day: keep only the bytes pollers get.
  return Object.freeze({
    status: task.status,
    json,
    etag,
    get snapshot(): TaskSnapshot {
      return deepFreeze(JSON.parse(json) as TaskSnapshot);
    },
  });
}

/** Freezes a parsed value and everything in it (a finished task's snapshot, read back). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
