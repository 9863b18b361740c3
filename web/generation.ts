import { api, ProjectTaskAccepted, TaskSummary } from './api.js';
import { describe, showMessage, ui } from './dom.js';
import type { GenerationEvent } from './generation-state.js';
import { dispatch, generationState, pageState } from './page-state.js';
import { openProject } from './project-view.js';
import { pollTask } from './task-poller.js';

/* Starting generations, resuming the unfinished ones, and following each by polling: every
 * answer goes through the generation reducer (generation-state.ts). */

export async function generateAll(): Promise<void> {
  const project = pageState.project;
  if (!project) return;
  ui.generateAll.disabled = true;
  showMessage('');
  let accepted: ProjectTaskAccepted;
  try {
    accepted = await api.generateAll(project.id, {
      skip_locked: true,
      force_regenerate: ui.forceRegenerate.checked,
    });
  } catch (error) {
    ui.generateAll.disabled = false;
    showMessage(`Could not start the generation: ${describe(error)}`, 'error');
    return;
  }
  if (accepted.task_id === null) {
    const progress = {
      taskId: '',
      kind: 'batch',
      status: 'COMPLETED',
      current: 0,
      total: 0,
      percentage: 100,
      completed: 0,
      failed: 0,
      taskErrors: [],
      note: nothingToDoSentence(accepted),
    } as const;
    dispatch({ type: 'progress', projectId: project.id, progress });
    return;
  }
  follow(project.id, accepted.task_id, 'batch', accepted.segments_to_process);
}

function nothingToDoSentence(a: ProjectTaskAccepted): string {
  const reasons = [
    a.skipped_existing > 0 ? `${a.skipped_existing} already have audio` : '',
    a.skipped_locked > 0 ? `${a.skipped_locked} locked` : '',
    a.skipped_empty > 0 ? `${a.skipped_empty} empty` : '',
  ].filter(Boolean);
  return `Nothing to generate${reasons.length ? `: ${reasons.join(', ')}` : ''}. Tick “Also regenerate” to redo existing audio.`;
}

export async function generateSegment(segmentId: string): Promise<void> {
  const project = pageState.project;
  if (!project) return;
  dispatch({ type: 'segment', segmentId, patch: { busy: true, error: '', status: 'Starting…' } });
  try {
    const accepted = await api.generateSegment(segmentId);
    dispatch({ type: 'segment', segmentId, patch: { status: 'Queued…' } });
    follow(project.id, accepted.task_id, 'segment', 1, segmentId);
  } catch (error) {
    const patch = { busy: false, status: '', error: `Could not start: ${describe(error)}` };
    dispatch({ type: 'segment', segmentId, patch });
  }
}

/**
 * Asks the server for the project's unfinished tasks (`GET /api/tasks/?project=…`) and
 * follows each one this page is not following yet, its progress shown from where it is.
 */
export async function resumeTasks(projectId: string): Promise<void> {
  let tasks: TaskSummary[];
  try {
    tasks = (await api.projectTasks(projectId)).results;
  } catch {
    return; // Nothing to resume is not worth an error message; the project itself loaded.
  }
  // Oldest first, so a batch started last holds the progress panel.
  for (const task of [...tasks].reverse()) {
    const finished = task.status === 'COMPLETED' || task.status === 'FAILED';
    if (finished || generationState().followed.has(task.task_id)) continue;
    const resumedAt = { status: task.status, ...task.progress };
    if (task.kind === 'tts_batch') {
      follow(projectId, task.task_id, 'batch', task.progress.total, undefined, resumedAt);
    } else if (task.segment_id) {
      const segmentId = task.segment_id;
      dispatch({ type: 'segment', segmentId, patch: { busy: true, status: 'Generating…' } });
      follow(projectId, task.task_id, 'segment', 1, segmentId, resumedAt);
    }
  }
}

/**
 * Follows a task: shows it (a batch takes the progress panel over a single segment) and polls
 * it, each answer going through the generation reducer.
 */
function follow(
  projectId: string,
  taskId: string,
  kind: 'batch' | 'segment',
  total: number,
  segmentId?: string,
  resumedAt?: Extract<GenerationEvent, { type: 'follow' }>['resumedAt'],
): void {
  if (generationState().followed.has(taskId)) return;
  dispatch({ type: 'follow', taskId, projectId, kind, total, segmentId, resumedAt }, projectId);
  pollTask(taskId, {
    onStatus(snapshot) {
      dispatch({ type: 'snapshot', taskId, snapshot, origin: location.origin }, projectId);
    },
    onFinished(snapshot) {
      dispatch({ type: 'finished', taskId, snapshot }, projectId);
      // Pick up audio_file and audio_duration as the server now stores them.
      if (pageState.project?.id === projectId) void openProject(projectId);
    },
    onLostConnection(error) {
      if (generationState().progress.get(projectId)?.taskId !== taskId) {
        showMessage(`Lost connection to the server while following task ${taskId}.`, 'error');
      }
      dispatch({ type: 'lost', taskId, reason: error.describe() }, projectId);
    },
  });
}
