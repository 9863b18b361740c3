import { createHash } from 'node:crypto';
import { isTerminal, snapshotOf } from './task-transitions';
import type {
  CompletedSegment,
  TaskErrorEntry,
  TaskRecord,
  TaskSnapshot,
  TaskStatus,
} from './task.types';

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
    if (task instanceof FinishedTask) return task; // its own view
    const cached = this.entries.get(task.id);
    if (cached && cached.version === task.version) return cached.view;
    // The id's hash once per task: the cached ETag starts with it (`"<tag>-<version>"`).
    const tag = cached ? cached.view.etag.slice(1, 1 + TAG_LENGTH) : idTag(task.id);
    if (cached && cached.version > task.version) return buildView(task, tag); // a late reader
    const view = buildView(task, tag);
    this.entries.set(task.id, { version: task.version, view });
    return view;
  }

  /**
   * The retained form of a finished task: the view of its final version (see FinishedTask).
   * The caller keeps it as the task's record, which is its own view from then on: its cache
   * entry is dropped (an entry and its Map slot, ~80 B per retained task).
   */
  finishedOf(task: TaskRecord): FinishedTask {
    const view = this.viewOf(task);
    if (!(view instanceof FinishedTask)) throw new Error(`Task ${task.id} is not finished`);
    this.entries.delete(task.id);
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
  return new FinishedTask(task, flat(JSON.stringify(snapshotOf(task))), flat(etag));
}

/**
 * The string in one piece. V8 builds the result of JSON.stringify (and of a template string)
 * as a tree of pieces joined by small nodes, and keeps the tree until something needs it
 * flat: a finished task's view, kept for a day, would keep ~10 such nodes (~320 B) besides
 * its characters. Converting it to a number flattens it in place, and the garbage collector
 * then drops the nodes (docs/PERFORMANCE.md, section 6). (Unfinished versions are flattened
 * by the database write anyway, and live until the next version.)
 */
function flat(value: string): string {
  void Number(value);
  return value;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The segment lists of a finished task, read back from its JSON: own enumerable properties
 * (a record reads back whole, spread included: task-state.store.contract.ts) whose getters
 * are these same two functions for every task, so that V8 gives every FinishedTask one
 * hidden class instead of one per task (docs/PERFORMANCE.md, section 6).
 */
const SEGMENT_LISTS: PropertyDescriptorMap = {
  completed: {
    enumerable: true,
    get(this: FinishedTask) {
      return this.snapshot.completed_segments;
    },
  },
  errors: {
    enumerable: true,
    get(this: FinishedTask) {
      return this.snapshot.errors;
    },
  },
};

/**
 * A finished task as it is kept, possibly for a day (10,000 of them by default): one frozen
 * object that is both its record, with the scalar fields, and its view, with the JSON and
 * ETag that pollers get. Its segment lists and snapshot are parsed back from that JSON on
 * the rare reads that need objects (the last event of a stream, a cancel refused); polls and
 * lists never do. No closure per task: a task costs its fields (docs/PERFORMANCE.md,
 * section 6).
 */
export class FinishedTask implements TaskRecord, TaskView {
  readonly id: string;
  readonly version: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: TaskStatus;
  readonly current: number;
  readonly total: number;
  readonly inProgress: readonly string[];
  readonly claims: readonly string[];
  readonly recording: readonly Readonly<CompletedSegment>[];
  readonly owner: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** The view's fields, not the record's: not enumerable, so the record spreads as any other. */
  declare readonly json: string;
  declare readonly etag: string;
  /** Parsed from `json` on each read (SEGMENT_LISTS). */
  declare readonly completed: readonly Readonly<CompletedSegment>[];
  declare readonly errors: readonly Readonly<TaskErrorEntry>[];

  constructor(task: TaskRecord, json: string, etag: string) {
    this.id = task.id;
    this.version = task.version;
    this.labels = task.labels;
    this.status = task.status;
    this.current = task.current;
    this.total = task.total;
    // Empty once finished (task-transitions.ts); one shared empty list then.
    this.inProgress = task.inProgress.length > 0 ? task.inProgress : NONE;
    this.claims = task.claims.length > 0 ? task.claims : NONE;
    this.recording = task.recording.length > 0 ? task.recording : NONE;
    this.owner = task.owner;
    this.createdAt = task.createdAt;
    this.startedAt = task.startedAt;
    this.finishedAt = task.finishedAt;
    Object.defineProperties(this, { json: { value: json }, etag: { value: etag } });
    Object.defineProperties(this, SEGMENT_LISTS);
    Object.freeze(this);
  }

  get snapshot(): TaskSnapshot {
    return deepFreeze(JSON.parse(this.json) as TaskSnapshot);
  }
}

/** Freezes a parsed value and everything in it (a finished task's snapshot, read back). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
