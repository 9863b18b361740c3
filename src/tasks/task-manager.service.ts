import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TaskNotFoundError } from './task-not-found.error';
import {
  CompletedSegment,
  NewTask,
  TaskErrorEntry,
  TaskSnapshot,
  TaskStatus,
  TERMINAL_STATUSES,
} from './task.types';

/** A snapshot together with its wire form, computed once per version of a task. */
export interface TaskView {
  readonly snapshot: TaskSnapshot;
  /** The snapshot serialized as JSON, ready to send. */
  readonly json: string;
  /** Strong ETag: unique to this task and this version. */
  readonly etag: string;
  readonly version: number;
}

interface TaskRecord {
  readonly id: string;
  readonly serial: number;
  readonly labels: Readonly<Record<string, string>>;
  status: TaskStatus;
  current: number;
  total: number;
  currentSegmentId?: string;
  completed: Readonly<CompletedSegment>[];
  errors: Readonly<TaskErrorEntry>[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  version: number;
  view?: TaskView;
}

const ORDER: Record<TaskStatus, number> = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 };

/**
 * Holds the state of every background task in memory and hands out consistent snapshots.
 *
 * Writers call the update methods; each update bumps the task's version. Readers get an
 * immutable snapshot built lazily, once per version, so a poll is a map lookup and, at
 * most once per change, a copy and a `JSON.stringify`. Updates for unknown or finished
 * tasks are ignored (they return false) so a late worker can never resurrect a task.
 */
@Injectable()
export class TaskManagerService {
  private readonly tasks = new Map<string, TaskRecord>();
  /** Makes ETags unique across restarts of the process. */
  private readonly bootId = randomBytes(4).toString('hex');
  private serial = 0;

  /** Registers a PENDING task under the caller's id. Throws if the id is already in use. */
  create(taskId: string, task: NewTask): TaskSnapshot {
    if (this.tasks.has(taskId)) throw new Error(`Task ${taskId} already exists`);
    const record: TaskRecord = {
      id: taskId,
      serial: ++this.serial,
      labels: Object.freeze({ ...task.labels }),
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
      task.completed.push(Object.freeze({ ...segment }));
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

  /** The current snapshot; throws TaskNotFoundError for an unknown id. */
  getSnapshot(taskId: string): TaskSnapshot {
    return this.getView(taskId).snapshot;
  }

  /** The current snapshot with its serialized form and ETag; throws TaskNotFoundError. */
  getView(taskId: string): TaskView {
    const task = this.tasks.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return this.viewOf(task);
  }

  /** The labels given at creation, or undefined for an unknown id. */
  labelsOf(taskId: string): Readonly<Record<string, string>> | undefined {
    return this.tasks.get(taskId)?.labels;
  }

  isTerminal(status: TaskStatus): boolean {
    return TERMINAL_STATUSES.includes(status);
  }

  private update(taskId: string, change: (task: TaskRecord) => boolean): boolean {
    const task = this.tasks.get(taskId);
    if (!task || this.isTerminal(task.status)) return false;
    if (!change(task)) return false;
    task.version += 1;
    task.view = undefined;
    return true;
  }

  private moveTo(task: TaskRecord, next: TaskStatus): boolean {
    if (ORDER[next] <= ORDER[task.status]) return false;
    const now = new Date().toISOString();
    if (next === 'PROCESSING') task.startedAt = now;
    if (this.isTerminal(next)) {
      task.startedAt ??= now;
      task.finishedAt = now;
      task.currentSegmentId = undefined;
      if (next === 'COMPLETED') task.current = task.total;
    }
    task.status = next;
    return true;
  }

  private viewOf(task: TaskRecord): TaskView {
    if (task.view) return task.view;
    const progress: TaskSnapshot['progress'] = Object.freeze({
      current: task.current,
      total: task.total,
      percentage: percentageOf(task),
      ...(task.currentSegmentId !== undefined && { current_segment_id: task.currentSegmentId }),
    });
    const snapshot: TaskSnapshot = Object.freeze({
      task_id: task.id,
      status: task.status,
      progress,
      completed_segments: Object.freeze(task.completed.slice()),
      errors: Object.freeze(task.errors.slice()),
      created_at: task.createdAt,
      started_at: task.startedAt,
      finished_at: task.finishedAt,
    });
    task.view = Object.freeze({
      snapshot,
      json: JSON.stringify(snapshot),
      etag: `"${this.bootId}-${task.serial}-${task.version}"`,
      version: task.version,
    });
    return task.view;
  }
}

function percentageOf(task: TaskRecord): number {
  if (task.status === 'COMPLETED') return 100;
  if (task.total === 0) return 0;
  return Math.floor((100 * task.current) / task.total);
}
