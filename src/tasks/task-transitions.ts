import type {
  CompletedSegment,
  NewTask,
  SegmentOutcome,
  TaskErrorEntry,
  TaskRecord,
  TaskSnapshot,
  TaskStatus,
  TaskSummary,
} from './task.types';

/**
 * The rules of a task's life, as pure functions over immutable records: no clock of their own
 * (`now` is passed in), no I/O. Every store adapter applies exactly these, so a task behaves
 * the same in memory and in a shared store.
 */

export const CANCELLED = 'Cancelled';
export const INTERRUPTED_BY_RESTART = 'Interrupted by server restart';

/** One change to a task. A change that does not apply (see `applyChange`) makes no version. */
export type TaskChange =
  | { readonly kind: 'start' }
  /** A segment goes to the engine: PROCESSING, and it is in progress. */
  | { readonly kind: 'begin-segment'; readonly segmentId: string }
  /** Write-ahead: the segment's audio is about to be recorded (invisible to clients). */
  | { readonly kind: 'recording'; readonly entry: CompletedSegment }
  /** A segment succeeded or failed: its entry and `current` change in this one version. */
  | { readonly kind: 'settle-segment'; readonly outcome: SegmentOutcome }
  | {
      readonly kind: 'progress';
      readonly current?: number;
      readonly total?: number;
      readonly currentSegmentId?: string | null;
    }
  | { readonly kind: 'add-completed'; readonly entry: CompletedSegment }
  | { readonly kind: 'add-error'; readonly segmentId: string | null; readonly error: string }
  | { readonly kind: 'complete' }
  | { readonly kind: 'fail'; readonly error?: string }
  /** COMPLETED when a segment succeeded or nothing failed, FAILED when every attempt failed. */
  | { readonly kind: 'finish' };

const ORDER: Record<TaskStatus, number> = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 };

export function isTerminal(status: TaskStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** The first version of a task. */
export function newTaskRecord(id: string, task: NewTask, now: Date): TaskRecord {
  return {
    id,
    version: 1,
    labels: { ...task.labels },
    status: 'PENDING',
    current: 0,
    total: Math.max(0, Math.floor(task.total)),
    inProgress: [],
    completed: [],
    errors: [],
    claims: [...new Set([...(task.exclusive ?? []), ...(task.claims ?? [])])],
    recording: [],
    owner: '', // stamped by the state store
    createdAt: now.toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}

/**
 * The next version of `task` after `change`, or null when the change does not apply: a
 * finished task never changes, a status never goes backwards, progress never shrinks.
 */
export function applyChange(task: TaskRecord, change: TaskChange, now: Date): TaskRecord | null {
  if (isTerminal(task.status)) return null;
  const next = changed(task, change, now);
  return next && { ...next, version: task.version + 1 };
}

function changed(task: TaskRecord, change: TaskChange, now: Date): TaskRecord | null {
  switch (change.kind) {
    case 'start':
      return moveTo(task, 'PROCESSING', now);
    case 'begin-segment': {
      const started = moveTo(task, 'PROCESSING', now) ?? task;
      if (started.inProgress.includes(change.segmentId)) return started === task ? null : started;
      return { ...started, inProgress: [...started.inProgress, change.segmentId] };
    }
    case 'recording':
      return { ...task, recording: [...task.recording, change.entry] };
    case 'settle-segment': {
      const { outcome } = change;
      const id = outcome.segmentId;
      const settled: TaskRecord = {
        ...task,
        current: Math.min(task.total, task.current + 1),
        inProgress: task.inProgress.filter((s) => s !== id),
        recording: task.recording.filter((entry) => entry.segment_id !== id),
        claims: without(task.claims, segmentClaim(id)),
      };
      return 'completed' in outcome
        ? { ...settled, completed: [...task.completed, completedEntry(outcome.completed)] }
        : { ...settled, errors: [...task.errors, errorEntry(id, outcome.error)] };
    }
    case 'progress': {
      const total = change.total === undefined ? task.total : Math.max(0, Math.floor(change.total));
      const current = Math.min(
        total,
        change.current === undefined ? task.current : Math.max(task.current, change.current),
      );
      const inProgress =
        change.currentSegmentId === undefined
          ? task.inProgress
          : change.currentSegmentId === null
            ? []
            : [change.currentSegmentId];
      return { ...task, total, current: Math.floor(current), inProgress };
    }
    case 'add-completed':
      return { ...task, completed: [...task.completed, completedEntry(change.entry)] };
    case 'add-error':
      return {
        ...task,
        errors: [...task.errors, errorEntry(change.segmentId, change.error)],
      };
    case 'complete':
      return moveTo(task, 'COMPLETED', now);
    case 'fail': {
      const failed = moveTo(task, 'FAILED', now);
      if (!failed || change.error === undefined) return failed;
      return { ...failed, errors: [...failed.errors, errorEntry(null, change.error)] };
    }
    case 'finish': {
      const succeeded = task.completed.length > 0 || task.errors.length === 0;
      return moveTo(task, succeeded ? 'COMPLETED' : 'FAILED', now);
    }
  }
}

function moveTo(task: TaskRecord, next: TaskStatus, now: Date): TaskRecord | null {
  if (ORDER[next] <= ORDER[task.status]) return null;
  const at = now.toISOString();
  if (!isTerminal(next)) return { ...task, status: next, startedAt: at };
  return {
    ...task,
    status: next,
    startedAt: task.startedAt ?? at,
    finishedAt: at,
    current: next === 'COMPLETED' ? task.total : task.current,
    inProgress: [],
    claims: [],
    recording: [],
  };
}

/**
 * Restore of a task whose process is gone: the segments it was recording when it stopped
 * count as finished when `recorded` says their audio really is stored (the write-ahead
 * intents), and the task ends FAILED "Interrupted by server restart". Never moves `current`
 * back: it only adds what really finished.
 */
export function interrupted(
  task: TaskRecord,
  recorded: ReadonlySet<string>,
  now: Date,
): TaskRecord {
  let next = task;
  for (const entry of task.recording) {
    if (!recorded.has(entry.segment_id)) continue;
    next =
      applyChange(
        next,
        { kind: 'settle-segment', outcome: { segmentId: entry.segment_id, completed: entry } },
        now,
      ) ?? next;
  }
  return applyChange(next, { kind: 'fail', error: INTERRUPTED_BY_RESTART }, now) ?? next;
}

/**
 * The claims `current` holds and `next` does not. A change only ever removes claims, keeping
 * the order of the rest (task-transitions.ts), so one walk over both lists finds them: no
 * includes() per claim (a batch claims each of its segments: a million string comparisons
 * per version of a 1,000-segment task), no Set per version either.
 */
export function releasedClaims(current: readonly string[], next: readonly string[]): string[] {
  if (current === next) return [];
  const released: string[] = [];
  let j = 0;
  for (const claim of current) {
    if (j < next.length && next[j] === claim) j += 1;
    else released.push(claim);
  }
  // Not a subsequence after all (never by the rules): fall back to a set difference.
  if (j < next.length) {
    const kept = new Set(next);
    return current.filter((claim) => !kept.has(claim));
  }
  return released;
}

/** `segment:<id>`: held by the task that generates the segment, until it settles. */
export function segmentClaim(segmentId: string): string {
  return `segment:${segmentId}`;
}

/** `batch:<project>`: held by a project's batch task until it ends. */
export function batchClaim(projectId: string): string {
  return `batch:${projectId}`;
}

/** floor(100 · current / total); 0 when total is 0; 100 once COMPLETED. */
export function percentageOf(task: Pick<TaskRecord, 'status' | 'current' | 'total'>): number {
  if (task.status === 'COMPLETED') return 100;
  if (task.total === 0) return 0;
  return Math.floor((100 * task.current) / task.total);
}

/** The client's view of a version: frozen, exactly the contract's fields. */
export function snapshotOf(task: TaskRecord): TaskSnapshot {
  const { progress, ...summary } = summaryOf(task);
  return Object.freeze({
    task_id: summary.task_id,
    status: summary.status,
    progress: Object.freeze(progress),
    // Records are immutable and their entries frozen: the snapshot shares them.
    completed_segments: Object.freeze(task.completed),
    errors: Object.freeze(task.errors),
    created_at: summary.created_at,
    started_at: summary.started_at,
    finished_at: summary.finished_at,
  });
}

/** The snapshot without its segment lists, with the task's labels. */
export function summaryOf(task: TaskRecord): TaskSummary {
  const inProgress = task.inProgress;
  return {
    task_id: task.id,
    status: task.status,
    progress: {
      current: task.current,
      total: task.total,
      percentage: percentageOf(task),
      ...(inProgress.length > 0 && { current_segment_id: inProgress[inProgress.length - 1] }),
      ...(inProgress.length > 1 && { current_segment_ids: Object.freeze([...inProgress]) }),
    },
    created_at: task.createdAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
    labels: task.labels,
  };
}

export function matchesLabels(
  labels: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/** The list without `item` (the same list when it is not there). */
function without(list: readonly string[], item: string): readonly string[] {
  const at = list.indexOf(item);
  if (at < 0) return list;
  const out = list.slice(0, at);
  for (let i = at + 1; i < list.length; i++) out.push(list[i]);
  return out;
}

function errorEntry(segment_id: string | null, error: string): Readonly<TaskErrorEntry> {
  return Object.freeze({ segment_id, error });
}

function completedEntry(segment: CompletedSegment): Readonly<CompletedSegment> {
  // Explicit fields: a frozen spread copy would get a hidden class of its own (3× the size).
  const { segment_id, audio_url, duration } = segment;
  return Object.freeze({ segment_id, audio_url, duration });
}
