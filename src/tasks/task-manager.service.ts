import { randomBytes } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { Observable, Subscriber } from 'rxjs';
import { TaskAlreadyFinishedError, TooManyActiveTasksError } from './task.errors';
import { TaskNotFoundError } from './task-not-found.error';
import { NullTaskStore, TaskStore, TaskToSave } from './task-store.port';
import {
  CompletedSegment,
  NewTask,
  TaskErrorEntry,
  TaskSnapshot,
  TaskStatus,
  TaskSummary,
  TERMINAL_STATUSES,
} from './task.types';

/** A snapshot together with its wire form, computed once per version of a task. */
export interface TaskView {
  readonly status: TaskStatus;
  /** For a finished task, parsed anew from `json` on each read (see `compact`). */
  readonly snapshot: TaskSnapshot;
  /** The snapshot serialized as JSON, ready to send. */
  readonly json: string;
  /** Strong ETag: unique to this task and this version. */
  readonly etag: string;
  readonly version: number;
}

export interface TaskManagerOptions {
  /** Unfinished tasks accepted at once (`create` throws TooManyActiveTasksError beyond). */
  maxActive: number;
  /** Seconds a finished task stays queryable. */
  retentionSeconds: number;
  /** Finished tasks kept at most; the oldest are evicted first. */
  maxRetained: number;
}

export const TASK_MANAGER_OPTIONS = Symbol('TASK_MANAGER_OPTIONS');

const DEFAULT_OPTIONS: TaskManagerOptions = {
  maxActive: 1000,
  retentionSeconds: 86_400,
  maxRetained: 10_000,
};

/** How often durable copies are written at most, and expired tasks swept. */
const FLUSH_DELAY_MS = 200;
const SWEEP_INTERVAL_MS = 60_000;

export const CANCELLED = 'Cancelled';
export const INTERRUPTED_BY_RESTART = 'Interrupted by server restart';

interface TaskRecord {
  readonly id: string;
  readonly serial: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly abort: AbortController;
  status: TaskStatus;
  current: number;
  total: number;
  currentSegmentId?: string;
  completed: Readonly<CompletedSegment>[];
  errors: Readonly<TaskErrorEntry>[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Epoch ms when the task finished; drives retention. */
  finishedAtMs?: number;
  version: number;
  view?: TaskView;
  watchers?: Set<Subscriber<TaskSnapshot>>;
}

const ORDER: Record<TaskStatus, number> = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 };

const isTerminal = (status: TaskStatus) => TERMINAL_STATUSES.includes(status);

/**
 * Holds the state of every background task in memory and hands out consistent snapshots.
 *
 * Writers call the update methods; each update bumps the task's version. Readers get an
 * immutable snapshot built lazily, once per version, so a poll is a map lookup and, at
 * most once per change, a copy and a `JSON.stringify`. Updates for unknown or finished
 * tasks are ignored (they return false) so a late worker can never resurrect a task.
 * Finished tasks are kept for a while (retention), then forgotten; a durable copy goes to
 * the TaskStore behind the scenes so that a restart can report interrupted tasks.
 */
@Injectable()
export class TaskManagerService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskManagerService.name);
  private readonly tasks = new Map<string, TaskRecord>();
  /** Finished task ids in finishing order (oldest first): eviction pops from the front. */
  private readonly finished = new Set<string>();
  private activeCount = 0;
  /** Makes ETags unique across restarts of the process. */
  private readonly bootId = randomBytes(4).toString('hex');
  private serial = 0;
  private readonly options: TaskManagerOptions;
  private readonly dirty = new Set<string>();
  private readonly evicted = new Set<string>();
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @Optional() @Inject(TASK_MANAGER_OPTIONS) options?: Partial<TaskManagerOptions>,
    @Optional() private readonly store: TaskStore = new NullTaskStore(),
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** Restores the tasks of the previous run; unfinished ones become FAILED (interrupted). */
  async onModuleInit(): Promise<void> {
    const stored = await this.store.loadAll();
    for (const { snapshot, labels } of stored) this.restore(snapshot, labels);
    if (stored.length > 0) this.logger.log(`Restored ${stored.length} task(s) from the store`);
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  /** Before the database closes (it closes in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.flush();
  }

  /**
   * Registers a PENDING task under the caller's id. Throws if the id is in use, or
   * TooManyActiveTasksError when too many tasks are unfinished.
   */
  create(taskId: string, task: NewTask): TaskSnapshot {
    if (this.tasks.has(taskId)) throw new Error(`Task ${taskId} already exists`);
    if (this.activeCount >= this.options.maxActive) {
      throw new TooManyActiveTasksError(this.options.maxActive);
    }
    const record: TaskRecord = {
      id: taskId,
      serial: ++this.serial,
      labels: Object.freeze(Object.assign({}, task.labels)),
      abort: new AbortController(),
      status: 'PENDING',
      current: 0,
      total: Math.max(0, Math.floor(task.total)),
      completed: [],
      errors: [],
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      version: 1,
    };
    this.tasks.set(taskId, record);
    this.activeCount += 1;
    this.markDirty(record);
    return this.viewOf(record).snapshot;
  }

  /** PENDING → PROCESSING. */
  start(taskId: string): boolean {
    return this.update(taskId, (task) => this.moveTo(task, 'PROCESSING'));
  }

  /**
   * Moves the progress forward. `current` never goes back and never passes `total`;
   * `currentSegmentId` names the item being worked on.
   */
  setProgress(
    taskId: string,
    progress: { current?: number; total?: number; currentSegmentId?: string | null },
  ): boolean {
    return this.update(taskId, (task) => {
      if (progress.total !== undefined) task.total = Math.max(0, Math.floor(progress.total));
      if (progress.current !== undefined) {
        task.current = Math.max(task.current, Math.floor(progress.current));
      }
      task.current = Math.min(task.current, task.total);
      if (progress.currentSegmentId !== undefined) {
        task.currentSegmentId = progress.currentSegmentId ?? undefined;
      }
      return true;
    });
  }

  /** Appends a finished segment; the list only grows, in the order segments finish. */
  addCompletedSegment(taskId: string, segment: CompletedSegment): boolean {
    return this.update(taskId, (task) => {
      task.completed.push(completedEntry(segment));
      return true;
    });
  }

  /** Records a failure; `segmentId` null means a failure of the task as a whole. */
  addError(taskId: string, segmentId: string | null, error: string): boolean {
    return this.update(taskId, (task) => {
      task.errors.push(Object.freeze({ segment_id: segmentId, error }));
      return true;
    });
  }

  /** Ends the task as COMPLETED: progress jumps to total, 100 %. */
  complete(taskId: string): boolean {
    return this.update(taskId, (task) => this.moveTo(task, 'COMPLETED'));
  }

  /** Ends the task as FAILED, with an optional task-level error entry. */
  fail(taskId: string, error?: string): boolean {
    return this.update(taskId, (task) => {
      if (!this.moveTo(task, 'FAILED')) return false;
      if (error !== undefined) task.errors.push(Object.freeze({ segment_id: null, error }));
      return true;
    });
  }

  /**
   * Ends the task by the contract's rule: COMPLETED when at least one segment succeeded
   * or nothing failed (nothing to do counts as success), FAILED when every attempt failed.
   */
  finish(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (!task) return false;
    const succeeded = task.completed.length > 0 || task.errors.length === 0;
    return succeeded ? this.complete(taskId) : this.fail(taskId);
  }

  /**
   * Cancels an unfinished task: it becomes FAILED with `{segment_id: null, error: "Cancelled"}`
   * at once and its abort signal fires, so the runner stops before its next item.
   */
  cancel(taskId: string): TaskSnapshot {
    const task = this.require(taskId);
    if (isTerminal(task.status)) throw new TaskAlreadyFinishedError(task.status);
    this.fail(taskId, CANCELLED);
    task.abort.abort();
    return this.viewOf(task).snapshot;
  }

  /** Fires when the task is cancelled; runners pass it down to the work they start. */
  signalOf(taskId: string): AbortSignal {
    return this.require(taskId).abort.signal;
  }

  /** The current snapshot; throws TaskNotFoundError for an unknown id. */
  getSnapshot(taskId: string): TaskSnapshot {
    return this.getView(taskId).snapshot;
  }

  /** The current snapshot with its serialized form and ETag; throws TaskNotFoundError. */
  getView(taskId: string): TaskView {
    return this.viewOf(this.require(taskId));
  }

  /**
   * The task's snapshots as they change: the current one at once, one per change after,
   * completing after the terminal one. Throws TaskNotFoundError at once for an unknown id.
   */
  watch(taskId: string): Observable<TaskSnapshot> {
    const task = this.require(taskId);
    return new Observable<TaskSnapshot>((subscriber) => {
      subscriber.next(this.viewOf(task).snapshot);
      if (isTerminal(task.status)) {
        subscriber.complete();
        return;
      }
      (task.watchers ??= new Set()).add(subscriber);
      return () => {
        task.watchers?.delete(subscriber);
        if (task.watchers?.size === 0) task.watchers = undefined;
      };
    });
  }

  /** Tasks matching the filter, newest first, without their segment lists. */
  list(filter: { status?: TaskStatus; labels?: Record<string, string> } = {}): TaskSummary[] {
    const out: TaskSummary[] = [];
    for (const task of this.tasks.values()) {
      if (filter.status && task.status !== filter.status) continue;
      if (filter.labels && !matches(task.labels, filter.labels)) continue;
      out.push({ ...summaryOf(task), labels: task.labels });
    }
    // Insertion order is creation order; restored tasks are inserted by creation time too.
    return out.reverse();
  }

  /** Unfinished tasks whose labels match, oldest first. */
  findActive(labels: Record<string, string>): TaskSnapshot[] {
    const out: TaskSnapshot[] = [];
    for (const task of this.tasks.values()) {
      if (!isTerminal(task.status) && matches(task.labels, labels)) {
        out.push(this.viewOf(task).snapshot);
      }
    }
    return out;
  }

  /** The labels given at creation, or undefined for an unknown id. */
  labelsOf(taskId: string): Readonly<Record<string, string>> | undefined {
    return this.tasks.get(taskId)?.labels;
  }

  /** Counts for monitoring: tasks in memory by status. */
  counts(): Record<TaskStatus, number> {
    const counts: Record<TaskStatus, number> = {
      PENDING: 0,
      PROCESSING: 0,
      COMPLETED: 0,
      FAILED: 0,
    };
    for (const task of this.tasks.values()) counts[task.status] += 1;
    return counts;
  }

  isTerminal(status: TaskStatus): boolean {
    return isTerminal(status);
  }

  /** Forgets finished tasks past their retention time or beyond the retained count. */
  sweep(now = Date.now()): number {
    const oldestKept = now - this.options.retentionSeconds * 1000;
    let evicted = 0;
    for (const id of this.finished) {
      const task = this.tasks.get(id)!;
      const tooMany = this.finished.size > this.options.maxRetained;
      if (!tooMany && task.finishedAtMs! > oldestKept) break;
      this.finished.delete(id);
      this.tasks.delete(id);
      this.dirty.delete(id);
      this.evicted.add(id);
      evicted += 1;
    }
    if (evicted > 0) this.scheduleFlush();
    return evicted;
  }

  /** Writes pending changes to the store now (tests and shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const saved: TaskToSave[] = [];
    for (const id of this.dirty) {
      const task = this.tasks.get(id);
      if (!task) continue;
      saved.push({
        taskId: task.id,
        status: task.status,
        createdAt: task.createdAt,
        snapshotJson: this.viewOf(task).json,
        labels: task.labels,
      });
    }
    const removed = [...this.evicted];
    this.dirty.clear();
    this.evicted.clear();
    this.flushing = this.flushing
      .then(async () => {
        if (saved.length > 0) await this.store.saveMany(saved);
        if (removed.length > 0) await this.store.removeMany(removed);
      })
      .catch((error: unknown) => this.logger.error(`Could not persist tasks: ${String(error)}`));
    await this.flushing;
  }

  private require(taskId: string): TaskRecord {
    const task = this.tasks.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  private update(taskId: string, change: (task: TaskRecord) => boolean): boolean {
    const task = this.tasks.get(taskId);
    if (!task || isTerminal(task.status)) return false;
    if (!change(task)) return false;
    task.version += 1;
    task.view = undefined;
    this.markDirty(task);
    if (task.watchers) {
      const snapshot = this.viewOf(task).snapshot;
      for (const watcher of [...task.watchers]) {
        watcher.next(snapshot);
        if (isTerminal(task.status)) watcher.complete();
      }
    }
    return true;
  }

  private moveTo(task: TaskRecord, next: TaskStatus): boolean {
    if (ORDER[next] <= ORDER[task.status]) return false;
    const now = new Date();
    if (next === 'PROCESSING') task.startedAt = now.toISOString();
    if (isTerminal(next)) {
      task.startedAt ??= now.toISOString();
      task.finishedAt = now.toISOString();
      task.finishedAtMs = now.getTime();
      task.currentSegmentId = undefined;
      if (next === 'COMPLETED') task.current = task.total;
      this.activeCount -= 1;
      this.finished.add(task.id);
      if (this.finished.size > this.options.maxRetained) queueMicrotask(() => this.sweep());
    }
    task.status = next;
    return true;
  }

  private restore(snapshot: TaskSnapshot, labels: Readonly<Record<string, string>>): void {
    const interrupted = !isTerminal(snapshot.status);
    const finishedAt = interrupted ? new Date().toISOString() : snapshot.finished_at;
    const record: TaskRecord = {
      id: snapshot.task_id,
      serial: ++this.serial,
      labels: Object.freeze(Object.assign({}, labels)),
      abort: new AbortController(),
      status: interrupted ? 'FAILED' : snapshot.status,
      current: snapshot.progress.current,
      total: snapshot.progress.total,
      completed: snapshot.completed_segments.map(completedEntry),
      errors: [
        ...snapshot.errors.map((e) => Object.freeze({ segment_id: e.segment_id, error: e.error })),
        ...(interrupted
          ? [Object.freeze({ segment_id: null, error: INTERRUPTED_BY_RESTART })]
          : []),
      ],
      createdAt: snapshot.created_at,
      startedAt: snapshot.started_at ?? (interrupted ? finishedAt : null),
      finishedAt,
      finishedAtMs: Date.parse(finishedAt ?? snapshot.created_at),
      version: 1,
    };
    this.tasks.set(record.id, record);
    this.finished.add(record.id);
    if (interrupted) this.markDirty(record);
  }

  private markDirty(task: TaskRecord): void {
    this.dirty.add(task.id);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS).unref();
  }

  private viewOf(task: TaskRecord): TaskView {
    if (task.view) return task.view;
    const { progress, ...summary } = summaryOf(task);
    const snapshot: TaskSnapshot = Object.freeze({
      task_id: summary.task_id,
      status: summary.status,
      progress: Object.freeze(progress),
      completed_segments: Object.freeze(task.completed.slice()),
      errors: Object.freeze(task.errors.slice()),
      created_at: summary.created_at,
      started_at: summary.started_at,
      finished_at: summary.finished_at,
    });
    const json = JSON.stringify(snapshot);
    const etag = `"${this.bootId}-${task.serial}-${task.version}"`;
    task.view = Object.freeze({ status: task.status, snapshot, json, etag, version: task.version });
    if (isTerminal(task.status)) this.compact(task);
    return task.view;
  }

  /**
   * A finished task never changes: keep only its serialized snapshot (what polls send) and
   * drop the entry objects, which cost about as much memory again. Readers that want the
   * object (the event stream's last event, the store) parse the JSON.
   */
  private compact(task: TaskRecord): void {
    const { status, json, etag, version } = task.view!;
    task.completed = [];
    task.errors = [];
    task.view = Object.freeze({
      status,
      json,
      etag,
      version,
      get snapshot(): TaskSnapshot {
        return deepFreeze(JSON.parse(json) as TaskSnapshot);
      },
    });
  }
}

/** The scalar part of a snapshot, built from the record (no segment lists). */
function summaryOf(task: TaskRecord): Omit<TaskSnapshot, 'completed_segments' | 'errors'> {
  return {
    task_id: task.id,
    status: task.status,
    progress: {
      current: task.current,
      total: task.total,
      percentage: percentageOf(task),
      ...(task.currentSegmentId !== undefined && { current_segment_id: task.currentSegmentId }),
    },
    created_at: task.createdAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
  };
}

function completedEntry(segment: CompletedSegment): Readonly<CompletedSegment> {
  // Explicit fields: a frozen spread copy would get a hidden class of its own (3× the size).
  const { segment_id, audio_url, duration } = segment;
  return Object.freeze({ segment_id, audio_url, duration });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function percentageOf(task: TaskRecord): number {
  if (task.status === 'COMPLETED') return 100;
  if (task.total === 0) return 0;
  return Math.floor((100 * task.current) / task.total);
}

function matches(
  labels: Readonly<Record<string, string>>,
  wanted: Record<string, string>,
): boolean {
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}
