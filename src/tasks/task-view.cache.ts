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

/** Length of the ETag's part taken from the task id. */
const TAG_LENGTH = 10;

/**
 * Views keyed by (task id, version): the latest one of each task is kept, so a poll of an
 * unchanged task is a map lookup. A version is serialized at most once, and only when it is
 * read (a poll, the event stream): a batch makes versions faster than pollers read them, and
 * a version nobody reads is never serialized (docs/PERFORMANCE.md, row 2c).
 */
export class TaskViewCache {
  private readonly entries = new Map<string, Entry>();

  viewOf(task: TaskRecord): TaskView {
    const cached = this.entries.get(task.id);
    if (cached && cached.version === task.version) return cached.view;
    // The id's hash once per task: the cached ETag starts with it (`"<tag>-<version>"`).
    const tag = cached ? cached.view.etag.slice(1, 1 + TAG_LENGTH) : idTag(task.id);
    if (cached && cached.version > task.version) return buildView(task, tag); // a late reader
    const view = buildView(task, tag);
    this.entries.set(task.id, { version: task.version, view });
    return view;
  }

  forget(taskIds: Iterable<string>): void {
    for (const id of taskIds) this.entries.delete(id);
  }
}

function idTag(taskId: string): string {
  return createHash('sha1').update(taskId).digest('base64url').slice(0, TAG_LENGTH);
}

function buildView(task: TaskRecord, tag: string): TaskView {
  const etag = `"${tag}-${task.version}"`;
  if (!isTerminal(task.status)) {
    // Built on first read, then kept: the record is immutable.
    let snapshot: TaskSnapshot | undefined;
    let json: string | undefined;
    const snapshotNow = () => (snapshot ??= snapshotOf(task));
    return Object.freeze({
      status: task.status,
      etag,
      get snapshot(): TaskSnapshot {
        return snapshotNow();
      },
      get json(): string {
        return (json ??= JSON.stringify(snapshotNow()));
      },
    });
  }
  // A finished task never changes and may be kept for a day: keep only the bytes pollers get.
  const json = JSON.stringify(snapshotOf(task));
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
