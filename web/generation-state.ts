import type { TaskSnapshot, TaskStatus } from './api.js';

/*
 * What the page knows about generation, and the one pure function that changes it. The views
 * render from this state; the task poller's snapshots (and the page's own requests) come in as
 * events. No DOM and no clock here: it is unit-tested in Jest (web/generation-state.spec.ts).
 * State is kept by project and segment id, not by view, so a task keeps being followed while
 * the user looks at another project.
 */

/** What the progress panel shows for a project: its latest task. */
export interface ProgressState {
  readonly taskId: string;
  readonly kind: 'batch' | 'segment';
  readonly status: TaskStatus | 'LOST';
  readonly current: number;
  readonly total: number;
  readonly percentage: number;
  readonly completed: number;
  readonly failed: number;
  /** Failures not tied to a segment (`segment_id: null`), and the lost-connection notice. */
  readonly taskErrors: readonly string[];
  /** A sentence replacing the computed one (nothing to do, for instance). */
  readonly note?: string;
}

/** What the page knows about a segment beyond its API fields. */
export interface SegmentState {
  /** Part of an unfinished task, or being started. */
  readonly busy: boolean;
  readonly status: string;
  readonly error: string;
  /** Player source from a finished task (cache-busted, since a regenerated WAV keeps its URL). */
  readonly audioSrc?: string;
}

/** A task the page polls. */
export interface FollowedTask {
  readonly projectId: string;
  readonly kind: 'batch' | 'segment';
  /** The segment of a single-segment task. */
  readonly segmentId?: string;
  /** Segments this task has reported on (finished or failed). */
  readonly handled: ReadonlySet<string>;
  /** Segments this task marked busy, to release when it ends. */
  readonly touched: ReadonlySet<string>;
}

export interface GenerationState {
  readonly progress: ReadonlyMap<string, ProgressState>;
  readonly segments: ReadonlyMap<string, SegmentState>;
  /** The unfinished batch task of each project. */
  readonly activeBatch: ReadonlyMap<string, string>;
  /** The tasks being polled, by task id: a task is never followed twice. */
  readonly followed: ReadonlyMap<string, FollowedTask>;
}

export type GenerationEvent =
  /** Start following a task (accepted just now, or found unfinished on the server). */
  | {
      type: 'follow';
      taskId: string;
      projectId: string;
      kind: 'batch' | 'segment';
      total: number;
      segmentId?: string;
      /** Where a resumed task already is (`GET /api/tasks/?project=`). */
      resumedAt?: Pick<ProgressState, 'status' | 'current' | 'total' | 'percentage'>;
    }
  /** A poll's snapshot; `origin` resolves the audio URLs (the page's `location.origin`). */
  | { type: 'snapshot'; taskId: string; snapshot: TaskSnapshot; origin: string }
  /** The task reached COMPLETED or FAILED (after its last snapshot event). */
  | { type: 'finished'; taskId: string; snapshot: TaskSnapshot }
  /** Polling gave up: the server could not be reached several times in a row. */
  | { type: 'lost'; taskId: string; reason: string }
  /** The page's own news about a segment (starting, a refused request, a lock error). */
  | { type: 'segment'; segmentId: string; patch: Partial<SegmentState> }
  /** The progress panel of a project set directly (nothing to do), or cleared (null). */
  | { type: 'progress'; projectId: string; progress: ProgressState | null };

export const EMPTY_SEGMENT: SegmentState = { busy: false, status: '', error: '' };

export function initialGenerationState(): GenerationState {
  return { progress: new Map(), segments: new Map(), activeBatch: new Map(), followed: new Map() };
}

export function segmentOf(state: GenerationState, segmentId: string): SegmentState {
  return state.segments.get(segmentId) ?? EMPTY_SEGMENT;
}

/** The next state after an event; `state` is never changed. */
export function reduceGeneration(state: GenerationState, event: GenerationEvent): GenerationState {
  switch (event.type) {
    case 'follow':
      return follow(state, event);
    case 'snapshot':
      return applySnapshot(state, event.taskId, event.snapshot, event.origin);
    case 'finished':
      return finish(state, event.taskId, event.snapshot);
    case 'lost':
      return lose(state, event.taskId, event.reason);
    case 'segment':
      return patchSegments(state, [[event.segmentId, event.patch]]);
    case 'progress': {
      const progress = new Map(state.progress);
      if (event.progress) progress.set(event.projectId, event.progress);
      else progress.delete(event.projectId);
      return { ...state, progress };
    }
  }
}

function follow(
  state: GenerationState,
  event: Extract<GenerationEvent, { type: 'follow' }>,
): GenerationState {
  if (state.followed.has(event.taskId)) return state;
  const { taskId, projectId, kind, segmentId } = event;
  const followed = new Map(state.followed).set(taskId, {
    projectId,
    kind,
    segmentId,
    handled: new Set(),
    touched: new Set(segmentId ? [segmentId] : []),
  });
  const activeBatch =
    kind === 'batch' ? new Map(state.activeBatch).set(projectId, taskId) : state.activeBatch;
  // A single segment does not take the panel from a running batch.
  const batchRunning = kind === 'segment' && state.activeBatch.has(projectId);
  let progress = state.progress;
  if (!batchRunning || !state.progress.has(projectId)) {
    progress = new Map(progress).set(projectId, {
      taskId,
      kind,
      status: 'PENDING',
      current: 0,
      total: event.total,
      percentage: 0,
      completed: 0,
      failed: 0,
      taskErrors: [],
      ...event.resumedAt,
    });
  }
  const next = { ...state, followed, activeBatch, progress };
  return segmentId ? patchSegments(next, [[segmentId, { busy: true }]]) : next;
}

function applySnapshot(
  state: GenerationState,
  taskId: string,
  snapshot: TaskSnapshot,
  origin: string,
): GenerationState {
  const task = state.followed.get(taskId);
  if (!task) return state;
  const handled = new Set(task.handled);
  const touched = new Set(task.touched);
  const patches: [string, Partial<SegmentState>][] = [];
  for (const done of snapshot.completed_segments) {
    if (handled.has(done.segment_id)) continue;
    handled.add(done.segment_id);
    const url = new URL(done.audio_url, origin);
    url.searchParams.set('v', taskId);
    patches.push([
      done.segment_id,
      {
        busy: false,
        error: '',
        status: `Audio ready (${done.duration.toFixed(1)} s).`,
        audioSrc: url.href,
      },
    ]);
  }
  for (const failure of snapshot.errors) {
    if (failure.segment_id === null || handled.has(failure.segment_id)) continue;
    handled.add(failure.segment_id);
    patches.push([
      failure.segment_id,
      { busy: false, status: '', error: `Audio failed: ${failure.error}` },
    ]);
  }
  const current = snapshot.progress.current_segment_id;
  if (snapshot.status === 'PROCESSING' && current && !handled.has(current)) {
    touched.add(current);
    patches.push([current, { busy: true, status: 'Generating…' }]);
  }
  const followed = new Map(state.followed).set(taskId, { ...task, handled, touched });
  let progress = state.progress;
  const shown = state.progress.get(task.projectId);
  if (shown?.taskId === taskId) {
    progress = new Map(progress).set(task.projectId, {
      ...shown,
      status: snapshot.status,
      current: snapshot.progress.current,
      total: snapshot.progress.total,
      percentage: snapshot.progress.percentage,
      completed: snapshot.completed_segments.length,
      failed: snapshot.errors.filter((e) => e.segment_id !== null).length,
      taskErrors: snapshot.errors.filter((e) => e.segment_id === null).map((e) => e.error),
    });
  }
  return patchSegments({ ...state, followed, progress }, patches);
}

function finish(state: GenerationState, taskId: string, snapshot: TaskSnapshot): GenerationState {
  const task = state.followed.get(taskId);
  if (!task) return state;
  const patches: [string, Partial<SegmentState>][] = [];
  const handled = new Set(task.handled);
  if (snapshot.status === 'FAILED' && task.segmentId && !handled.has(task.segmentId)) {
    handled.add(task.segmentId);
    patches.push([
      task.segmentId,
      { busy: false, error: snapshot.errors[0]?.error ?? 'Audio generation failed' },
    ]);
  }
  return patchSegments(stopFollowing(state, taskId, task), [...patches, ...release(task, handled)]);
}

function lose(state: GenerationState, taskId: string, reason: string): GenerationState {
  const task = state.followed.get(taskId);
  if (!task) return state;
  let next = stopFollowing(state, taskId, task);
  const shown = next.progress.get(task.projectId);
  if (shown?.taskId === taskId) {
    const progress = new Map(next.progress).set(task.projectId, {
      ...shown,
      status: 'LOST',
      taskErrors: [
        `Lost connection to the server (${reason}); stopped checking progress. ` +
          'The generation may still be running: reopen the project later to see its audio.',
      ],
    });
    next = { ...next, progress };
  }
  return patchSegments(next, release(task, task.handled));
}

/** The segments a task marked busy and never reported on go back to idle. */
function release(
  task: FollowedTask,
  handled: ReadonlySet<string>,
): [string, Partial<SegmentState>][] {
  return [...task.touched]
    .filter((id) => !handled.has(id))
    .map((id) => [id, { busy: false, status: '' }]);
}

function stopFollowing(
  state: GenerationState,
  taskId: string,
  task: FollowedTask,
): GenerationState {
  const followed = new Map(state.followed);
  followed.delete(taskId);
  let activeBatch = state.activeBatch;
  if (activeBatch.get(task.projectId) === taskId) {
    activeBatch = new Map(activeBatch);
    (activeBatch as Map<string, string>).delete(task.projectId);
  }
  return { ...state, followed, activeBatch };
}

function patchSegments(
  state: GenerationState,
  patches: readonly [string, Partial<SegmentState>][],
): GenerationState {
  if (patches.length === 0) return state;
  const segments = new Map(state.segments);
  for (const [id, patch] of patches) segments.set(id, { ...segmentOf(state, id), ...patch });
  return { ...state, segments };
}
