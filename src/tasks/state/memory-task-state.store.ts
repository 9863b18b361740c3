import { SerialByKey } from './serial-by-key';
import { Logger } from '@nestjs/common';
import { TaskExistsError, TaskClaimConflictError, TooManyActiveTasksError } from '../task.errors';
import {
  applyChange,
  interrupted,
  isTerminal,
  matchesLabels,
  releasedClaims,
  summaryOf,
  TaskChange,
} from '../task-transitions';
import type { TaskRecord, TaskStatus, TaskSummary } from '../task.types';
import { TaskViewCache } from '../task-view.cache';
import { isOwnerAlive, PROCESS_OWNER } from './process-owner';
import { TaskRecordRepository } from './task-record.repository';
import {
  RecordedSegments,
  TaskListFilter,
  TaskStatePolicy,
  TaskStateStore,
} from './task-state.store';

/**
 * The task state of one process, in memory, written through to a TaskRecordRepository.
 *
 * Policies:
 * - **Durability**: a version is stored before it becomes readable (so before any poll or
 *   event shows it); the changes of one task are applied one after another, in order.
 * - **Backpressure**: at most `maxActive` unfinished tasks; `create` throws beyond.
 * - **Duplicate guard**: an `exclusive` claim held by an unfinished task refuses `create`.
 * - **Retention**: a finished task stays `retentionSeconds`, and at most `maxRetained` of
 *   them, oldest evicted first (from memory and from the repository).
 * - **Restore**: unfinished tasks of processes that are gone (a process of this host whose
 *   pid no longer runs, or rows without an owner) end FAILED "Interrupted by server
 *   restart"; tasks of live processes are left alone. Finished ones are kept for retention.
 * - **Memory of finished tasks**: a finished task never changes and may be kept for a day,
 *   so it is kept as one FinishedTask (task-view.cache.ts): its scalar fields and the JSON
 *   its pollers get, which is also its view; its segment lists are parsed back from that JSON.
 */
export class MemoryTaskStateStore extends TaskStateStore {
  private readonly logger = new Logger(MemoryTaskStateStore.name);
  private readonly tasks = new Map<string, TaskRecord>();
  /** Ids being created (not stored yet): taken, not readable. */
  private readonly reserved = new Set<string>();
  /** claim → the unfinished task holding it. */
  private readonly claims = new Map<string, string>();
  /**
   * Finished task ids in finishing order (oldest first). Their finishing time is read from
   * the task when a sweep reaches them, not kept here: a number beside each of 10,000 ids
   * would be a heap object of its own (docs/PERFORMANCE.md, section 6).
   */
  private readonly finished = new Set<string>();
  private activeCount = 0;
  /** The changes of one task run in order. */
  private readonly serial = new SerialByKey();

  constructor(
    private readonly policy: TaskStatePolicy,
    private readonly records: TaskRecordRepository,
    private readonly views: TaskViewCache,
    private readonly owner = PROCESS_OWNER,
  ) {
    super();
  }

  async create(created: TaskRecord, exclusive: readonly string[]): Promise<TaskRecord> {
    const claims = [...new Set([...created.claims, ...exclusive])];
    const task: TaskRecord = { ...created, claims, owner: this.owner };
    if (this.tasks.has(task.id) || this.reserved.has(task.id)) throw new TaskExistsError(task.id);
    for (const claim of exclusive) {
      const holder = this.claims.get(claim);
      if (holder !== undefined) throw new TaskClaimConflictError(claim, holder);
    }
    if (this.activeCount >= this.policy.maxActive) {
      throw new TooManyActiveTasksError(this.policy.maxActive);
    }
    // Taken at once (atomic for this process), readable once stored.
    this.reserved.add(task.id);
    this.activeCount += 1;
    for (const claim of task.claims) this.claims.set(claim, task.id);
    try {
      await this.records.save(task);
    } catch (error) {
      this.activeCount -= 1;
      this.releaseClaims(task.id, task.claims);
      throw error;
    } finally {
      this.reserved.delete(task.id);
    }
    this.tasks.set(task.id, task);
    return task;
  }

  update(taskId: string, change: TaskChange): Promise<TaskRecord | null> {
    return this.serial.run(taskId, () => this.apply(taskId, change));
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.tasks.get(taskId);
  }

  /** The same, without a promise: every task of this store is in this process's memory. */
  override peek(taskId: string): TaskRecord | null | undefined {
    return this.tasks.get(taskId) ?? null;
  }

  async list(filter: TaskListFilter = {}): Promise<TaskSummary[]> {
    const out: TaskSummary[] = [];
    for (const task of this.tasks.values()) {
      if (filter.status && task.status !== filter.status) continue;
      if (filter.labels && !matchesLabels(task.labels, filter.labels)) continue;
      out.push(summaryOf(task));
    }
    // Insertion order is creation order; restored tasks are inserted by creation time too.
    return out.reverse();
  }

  async counts(): Promise<Record<TaskStatus, number>> {
    const counts: Record<TaskStatus, number> = {
      PENDING: 0,
      PROCESSING: 0,
      COMPLETED: 0,
      FAILED: 0,
    };
    for (const task of this.tasks.values()) counts[task.status] += 1;
    return counts;
  }

  async restore(recorded: RecordedSegments): Promise<number> {
    const stored = await this.records.loadAll();
    const orphans = stored.filter(
      (task) => !isTerminal(task.status) && !isOwnerAlive(task.owner, this.owner),
    );
    const intents = orphans.flatMap((task) => task.recording.map((entry) => entry.segment_id));
    const confirmed = intents.length > 0 ? await recorded(intents) : new Set<string>();
    const now = new Date();
    let restored = 0;
    for (const task of stored) {
      if (this.tasks.has(task.id)) continue;
      if (!isTerminal(task.status)) {
        if (!orphans.includes(task)) {
          this.logger.warn(`Task ${task.id} belongs to live process ${task.owner}: left alone`);
          continue;
        }
        const ended = interrupted(task, confirmed, now);
        await this.store(ended, task);
        this.insertFinished(ended);
      } else {
        this.insertFinished(task);
      }
      restored += 1;
    }
    return restored;
  }

  async sweep(now = Date.now()): Promise<string[]> {
    const oldestKept = now - this.policy.retentionSeconds * 1000;
    const evicted: string[] = [];
    for (const id of this.finished) {
      const tooMany = this.finished.size > this.policy.maxRetained;
      if (!tooMany && finishedAt(this.tasks.get(id)) > oldestKept) break;
      this.finished.delete(id);
      this.tasks.delete(id);
      evicted.push(id);
    }
    if (evicted.length > 0) {
      this.views.forget(evicted);
      await this.records.removeMany(evicted).catch((error: unknown) => {
        this.logger.error(`Could not remove evicted task records: ${String(error)}`);
      });
    }
    return evicted;
  }

  private async apply(taskId: string, change: TaskChange): Promise<TaskRecord | null> {
    const current = this.tasks.get(taskId);
    if (!current) return null;
    const next = applyChange(current, change, new Date());
    if (!next) return null;
    await this.store(next, current);
    this.tasks.set(taskId, next);
    if (current.claims !== next.claims) {
      this.releaseClaims(taskId, releasedClaims(current.claims, next.claims));
    }
    if (isTerminal(next.status)) {
      this.activeCount -= 1;
      // The retained form, which is also its view: published as is, so no other is built.
      return this.markFinished(next);
    }
    return next;
  }

  /**
   * Write-through. A failing database must not freeze the task (it could never end, nor free
   * its slot): the version is logged and shown anyway, durability is what degrades.
   */
  private async store(task: TaskRecord, previous: TaskRecord): Promise<void> {
    try {
      await this.records.save(task, previous);
    } catch (error) {
      this.logger.error(`Could not store version ${task.version} of ${task.id}: ${String(error)}`);
    }
  }

  private insertFinished(task: TaskRecord): void {
    this.tasks.set(task.id, task);
    this.markFinished(task);
  }

  private markFinished(task: TaskRecord): TaskRecord {
    const finished = this.views.finishedOf(task);
    this.tasks.set(task.id, finished);
    this.finished.add(task.id);
    if (this.finished.size > this.policy.maxRetained) void this.sweep();
    return finished;
  }

  private releaseClaims(taskId: string, claims: readonly string[]): void {
    for (const claim of claims) {
      if (this.claims.get(claim) === taskId) this.claims.delete(claim);
    }
  }
}

/** When a finished task finished (its creation time if it never recorded one). */
function finishedAt(task: TaskRecord | undefined): number {
  return task ? Date.parse(task.finishedAt ?? task.createdAt) : -Infinity;
}
