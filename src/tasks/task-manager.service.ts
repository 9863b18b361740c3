import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { TaskEventBus } from './events/task-event.bus';
import { InProcessTaskEventBus } from './events/in-process-task-event.bus';
import { MemoryTaskStateStore } from './state/memory-task-state.store';
import { PROCESS_OWNER } from './state/process-owner';
import { NullTaskRecordRepository } from './state/task-record.repository';
import {
  RecordedSegments,
  TaskListFilter,
  TaskStatePolicy,
  TaskStateStore,
} from './state/task-state.store';
import { TaskAlreadyFinishedError } from './task.errors';
import { TaskNotFoundError } from './task-not-found.error';
import { CANCELLED, isTerminal, newTaskRecord, TaskChange } from './task-transitions';
import type {
  CompletedSegment,
  NewTask,
  SegmentOutcome,
  TaskRecord,
  TaskSnapshot,
  TaskStatus,
  TaskSummary,
} from './task.types';
import { TaskView, TaskViewCache } from './task-view.cache';

export { CANCELLED, INTERRUPTED_BY_RESTART } from './task-transitions';
export type { TaskView } from './task-view.cache';

const DEFAULT_POLICY: TaskStatePolicy = {
  maxActive: 1000,
  retentionSeconds: 86_400,
  maxRetained: 10_000,
};

/** How often expired tasks are swept. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The one API other modules use for background tasks: a thin, asynchronous façade over the
 * task state store (source of truth), the task event bus (change notifications, cancel
 * signals) and the view cache (a version serialized once). The rules live in
 * task-transitions.ts, the policies (durability, retention, backpressure, restore) in the
 * state store adapter. Updates of unknown or finished tasks resolve false, so a late worker
 * can never resurrect a task.
 */
@Injectable()
export class TaskManagerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskManagerService.name);
  private sweepTimer?: NodeJS.Timeout;
  private restored?: Promise<number>;

  constructor(
    private readonly state: TaskStateStore,
    private readonly events: TaskEventBus,
    private readonly views: TaskViewCache,
  ) {}

  /** A manager on the in-memory adapters with no durable record (unit tests, tools). */
  static inMemory(
    policy: Partial<TaskStatePolicy> = {},
    owner = PROCESS_OWNER,
  ): TaskManagerService {
    const views = new TaskViewCache();
    const state = new MemoryTaskStateStore(
      { ...DEFAULT_POLICY, ...policy },
      new NullTaskRecordRepository(),
      views,
      owner,
    );
    return new TaskManagerService(state, new InProcessTaskEventBus(), views);
  }

  /**
   * Takes over the tasks of processes that are gone (see the adapter's restore policy);
   * `recorded` confirms which segments being recorded at the crash really have audio.
   * Runs once; later calls share the first.
   */
  restore(recorded: RecordedSegments = async () => new Set()): Promise<number> {
    this.restored ??= this.state.restore(recorded).then((count) => {
      if (count > 0) this.logger.log(`Restored ${count} task(s) from the store`);
      return count;
    });
    return this.restored;
  }

  /** Restores (if generation did not already, with its facts) and starts the retention sweep. */
  async onApplicationBootstrap(): Promise<void> {
    await this.restore();
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * Registers a PENDING task under the caller's id. Throws if the id is in use,
   * TaskClaimConflictError when an exclusive claim is held, TooManyActiveTasksError when
   * too many tasks are unfinished.
   */
  async create(taskId: string, task: NewTask): Promise<TaskSnapshot> {
    const record = newTaskRecord(taskId, task, new Date());
    return this.publish(await this.state.create(record, task.exclusive ?? [])).snapshot;
  }

  /** PENDING → PROCESSING. */
  start(taskId: string): Promise<boolean> {
    return this.change(taskId, { kind: 'start' });
  }

  /** A segment goes to the engine: it is in progress (and the task PROCESSING). */
  beginSegment(taskId: string, segmentId: string): Promise<boolean> {
    return this.change(taskId, { kind: 'begin-segment', segmentId });
  }

  /**
   * Write-ahead intent, invisible to clients: the segment's audio is about to be recorded.
   * If the process dies before `settleSegment`, restore keeps the segment when its audio
   * really was recorded.
   */
  recordingSegment(taskId: string, entry: CompletedSegment): Promise<boolean> {
    return this.change(taskId, { kind: 'recording', entry });
  }

  /** A segment succeeded or failed: its entry and `current` change together, in one version. */
  settleSegment(taskId: string, outcome: SegmentOutcome): Promise<boolean> {
    return this.change(taskId, { kind: 'settle-segment', outcome });
  }

  /**
   * Moves the progress forward. `current` never goes back and never passes `total`;
   * `currentSegmentId` names the item being worked on.
   */
  setProgress(
    taskId: string,
    progress: { current?: number; total?: number; currentSegmentId?: string | null },
  ): Promise<boolean> {
    return this.change(taskId, { kind: 'progress', ...progress });
  }

  /** Appends a finished segment; the list only grows, in the order segments finish. */
  addCompletedSegment(taskId: string, segment: CompletedSegment): Promise<boolean> {
    return this.change(taskId, { kind: 'add-completed', entry: segment });
  }

  /** Records a failure; `segmentId` null means a failure of the task as a whole. */
  addError(taskId: string, segmentId: string | null, error: string): Promise<boolean> {
    return this.change(taskId, { kind: 'add-error', segmentId, error });
  }

  /** Ends the task as COMPLETED: progress jumps to total, 100 %. */
  complete(taskId: string): Promise<boolean> {
    return this.change(taskId, { kind: 'complete' });
  }

  /** Ends the task as FAILED, with an optional task-level error entry. */
  fail(taskId: string, error?: string): Promise<boolean> {
    return this.change(taskId, { kind: 'fail', error });
  }

  /**
   * Ends the task by the contract's rule: COMPLETED when at least one segment succeeded
   * or nothing failed (nothing to do counts as success), FAILED when every attempt failed.
   */
  finish(taskId: string): Promise<boolean> {
    return this.change(taskId, { kind: 'finish' });
  }

  /**
   * Cancels an unfinished task: it becomes FAILED with `{segment_id: null, error: "Cancelled"}`
   * and its cancel signal fires wherever it runs, so the runner stops before its next item.
   */
  async cancel(taskId: string): Promise<TaskSnapshot> {
    if (!(await this.fail(taskId, CANCELLED))) {
      throw new TaskAlreadyFinishedError((await this.require(taskId)).status);
    }
    this.events.cancel(taskId);
    return (await this.getView(taskId)).snapshot;
  }

  /** A signal that fires when the task is cancelled; `release` when the run is over. */
  async cancelSignal(taskId: string): Promise<{ signal: AbortSignal; release: () => void }> {
    const task = await this.require(taskId);
    const abort = new AbortController();
    if (task.status === 'FAILED') abort.abort();
    const release = this.events.onCancel(taskId, () => abort.abort());
    return { signal: abort.signal, release };
  }

  /** The current snapshot; throws TaskNotFoundError for an unknown id. */
  async getSnapshot(taskId: string): Promise<TaskSnapshot> {
    return (await this.getView(taskId)).snapshot;
  }

  /** The current snapshot with its serialized form and ETag; throws TaskNotFoundError. */
  async getView(taskId: string): Promise<TaskView> {
    return this.views.viewOf(await this.require(taskId));
  }

  /**
   * The same without a promise when the state store holds the task in this process (the
   * in-memory store: the status poll then creates no promise); `undefined` when only
   * `getView` can answer (a shared store). Throws TaskNotFoundError for an id the store
   * knows it does not hold.
   */
  viewNow(taskId: string): TaskView | undefined {
    const task = this.state.peek(taskId);
    if (task === undefined) return undefined;
    if (task === null) throw new TaskNotFoundError(taskId);
    return this.views.viewOf(task);
  }

  /**
   * The task's snapshots as they change: the current one, one per later version, completing
   * after the terminal one. Rejects with TaskNotFoundError for an unknown id.
   */
  async watch(taskId: string): Promise<Observable<TaskSnapshot>> {
    await this.require(taskId);
    return new Observable<TaskSnapshot>((subscriber) => {
      let last = 0;
      const send = (task: TaskRecord) => {
        if (task.version <= last || subscriber.closed) return;
        last = task.version;
        subscriber.next(this.views.viewOf(task).snapshot);
        if (isTerminal(task.status)) subscriber.complete();
      };
      // Subscribe first, then read: no version can fall between the two.
      const unsubscribe = this.events.subscribe(taskId, send);
      void this.state.get(taskId).then(
        (task) => {
          if (task) send(task);
          else subscriber.error(new TaskNotFoundError(taskId));
        },
        // A shared store that cannot be read (Redis away) ends the stream with its error.
        (error: unknown) => subscriber.error(error),
      );
      return unsubscribe;
    });
  }

  /** Tasks matching the filter, newest first, without their segment lists. */
  list(filter: TaskListFilter = {}): Promise<TaskSummary[]> {
    return this.state.list(filter);
  }

  /** Counts for monitoring: tasks held by status. */
  counts(): Promise<Record<TaskStatus, number>> {
    return this.state.counts();
  }

  isTerminal(status: TaskStatus): boolean {
    return isTerminal(status);
  }

  /** Forgets finished tasks past their retention time or beyond the retained count. */
  async sweep(now = Date.now()): Promise<number> {
    const evicted = await this.state.sweep(now);
    return evicted.length;
  }

  private async require(taskId: string): Promise<TaskRecord> {
    const task = await this.state.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  private async change(taskId: string, change: TaskChange): Promise<boolean> {
    const next = await this.state.update(taskId, change);
    if (next) this.publish(next);
    return next !== null;
  }

  private publish(task: TaskRecord): TaskView {
    const view = this.views.viewOf(task);
    this.events.publish(task);
    return view;
  }
}
