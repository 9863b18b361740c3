import { api, ApiError, Segment } from './api.js';
import { create, describe, showMessage, ui } from './dom.js';
import { generateSegment, resumeTasks } from './generation.js';
import { ProgressState, segmentOf } from './generation-state.js';
import { renderNarration } from './narration-view.js';
import { dispatch, generationState, onGenerationChange, pageState } from './page-state.js';
import { currentRoute } from './routes.js';

/* One project: its summary, the progress panel, and its segments with their players. */

export async function openProject(
  projectId: string,
  options: { focus?: boolean } = {},
): Promise<void> {
  try {
    const project = await api.getProject(projectId);
    // The user may have navigated elsewhere while this was loading.
    const route = currentRoute();
    if (route.view !== 'project' || route.id !== projectId) return;
    if (pageState.project?.id !== project.id) ui.segmentList.replaceChildren();
    pageState.project = project;
    renderProject();
    if (options.focus) ui.projectTitle.focus();
    // After a reload, in a second tab, or back from another project: pick up the
    // generation still running for it.
    void resumeTasks(projectId);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      ui.projectTitle.textContent = 'Project not found';
      ui.projectSummary.textContent = '';
      ui.segmentList.replaceChildren();
      ui.progressPanel.hidden = true;
      pageState.project = null;
      showMessage('This project does not exist (any more).', 'error');
    } else {
      showMessage(`Could not load the project: ${describe(error)}`, 'error');
    }
  }
}

export function renderProject(): void {
  const project = pageState.project;
  if (!project) return;
  ui.projectTitle.textContent = project.title;
  document.title = `${project.title} · StoryFlow Voice`;
  const withAudio = project.segments.filter(
    (s) => s.audio_file || generationState().segments.get(s.id)?.audioSrc,
  );
  ui.projectSummary.textContent =
    `${project.segments.length} segment${project.segments.length === 1 ? '' : 's'}, ` +
    `${withAudio.length} with audio.`;
  ui.generateAll.disabled =
    generationState().activeBatch.has(project.id) || project.segments.length === 0;
  renderProgress();
  renderSegments();
  renderNarration(project, project.segments.length - withAudio.length);
}

function renderProgress(): void {
  const project = pageState.project;
  const progress = project ? generationState().progress.get(project.id) : undefined;
  ui.progressPanel.hidden = !progress;
  if (!progress) return;
  ui.progressBar.value = progress.percentage;
  ui.progressBar.textContent = `${progress.percentage} %`;
  ui.progressText.textContent = progress.note ?? progressSentence(progress);
  ui.progressError.textContent = progress.taskErrors.join(' ');
}

function progressSentence(p: ProgressState): string {
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  switch (p.status) {
    case 'PENDING':
      return `Waiting to start: ${p.total} segment${p.total === 1 ? '' : 's'} to generate.`;
    case 'PROCESSING':
      return `Generating segment ${Math.min(p.current + 1, p.total)} of ${p.total} (${p.percentage} %)${failed}.`;
    case 'COMPLETED':
      return `Done: ${p.completed} of ${p.total} segment${p.total === 1 ? '' : 's'} generated${failed}.`;
    case 'FAILED':
      return `Generation failed: ${p.completed} of ${p.total} segment${p.total === 1 ? '' : 's'} generated${failed}.`;
    case 'LOST':
      return `Stopped at segment ${Math.min(p.current + 1, p.total)} of ${p.total}.`;
  }
}

// Segments are rendered keyed by id and updated in place, so a player that is playing is
// never replaced when the page refreshes.

interface SegmentView {
  item: HTMLLIElement;
  heading: HTMLHeadingElement;
  lockedBadge: HTMLSpanElement;
  text: HTMLParagraphElement;
  lock: HTMLInputElement;
  lockContext: HTMLSpanElement;
  generate: HTMLButtonElement;
  audioSlot: HTMLDivElement;
  status: HTMLParagraphElement;
  error: HTMLParagraphElement;
}

const segmentViews = new Map<string, SegmentView>();

function renderSegments(): void {
  const project = pageState.project;
  if (!project) return;
  const seen = new Set<string>();
  project.segments.forEach((segment, index) => {
    seen.add(segment.id);
    let view = segmentViews.get(segment.id);
    if (!view || view.item.parentElement !== ui.segmentList) {
      view = createSegmentView(segment.id);
      segmentViews.set(segment.id, view);
    }
    updateSegmentView(view, segment, index + 1);
    ui.segmentList.append(view.item); // moves it into order; a no-op when already last
  });
  for (const [id, view] of segmentViews) {
    if (!seen.has(id)) {
      view.item.remove();
      segmentViews.delete(id);
    }
  }
}

function createSegmentView(segmentId: string): SegmentView {
  const item = create('li', { className: 'segment' });
  item.dataset.segmentId = segmentId;
  const headingId = `segment-${segmentId}-heading`;

  const head = create('div', { className: 'segment-head' });
  const heading = create('h3');
  heading.id = headingId;
  const lockedBadge = create('span', { className: 'badge', text: 'Locked' });
  head.append(heading, lockedBadge);

  const text = create('p', { className: 'segment-text' });

  const actions = create('div', { className: 'segment-actions' });
  const lockLabel = create('label', { className: 'checkbox' });
  const lock = create('input');
  lock.type = 'checkbox';
  lock.className = 'lock-toggle';
  const lockContext = create('span', { className: 'visually-hidden' });
  lockLabel.append(lock, ' Lock', lockContext);
  lock.addEventListener('change', () => void toggleLock(segmentId, lock));
  const generate = create('button', { className: 'secondary generate-one', text: 'Generate' });
  generate.type = 'button';
  generate.addEventListener('click', () => void generateSegment(segmentId));
  actions.append(lockLabel, generate);

  const audioSlot = create('div', { className: 'segment-audio' });
  const status = create('p', { className: 'segment-status' });
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const error = create('p', { className: 'error segment-error' });
  error.setAttribute('role', 'alert');

  item.setAttribute('aria-labelledby', headingId);
  item.append(head, text, actions, audioSlot, status, error);
  return {
    item,
    heading,
    lockedBadge,
    text,
    lock,
    lockContext,
    generate,
    audioSlot,
    status,
    error,
  };
}

function updateSegmentView(view: SegmentView, segment: Segment, position: number): void {
  const local = segmentOf(generationState(), segment.id);
  const label = `segment ${position}`;
  view.heading.textContent = `Segment ${position}`;
  view.text.textContent = segment.text_content || '(no text)';
  view.text.classList.toggle('empty', !segment.text_content.trim());
  view.lockedBadge.hidden = !segment.is_locked;
  view.lock.checked = segment.is_locked;
  view.lockContext.textContent = ` ${label}`;
  view.generate.setAttribute('aria-label', `Generate audio for ${label}`);
  view.generate.disabled = local.busy || segment.is_locked || !segment.text_content.trim();
  view.generate.title = segment.is_locked
    ? 'Unlock the segment to generate its audio'
    : !segment.text_content.trim()
      ? 'This segment has no text'
      : '';
  view.item.classList.toggle('is-busy', local.busy);
  view.item.classList.toggle('has-error', local.error !== '');
  view.status.textContent = local.status;
  view.error.textContent = local.error;

  const src = local.audioSrc ?? segment.audio_file;
  const audio = view.audioSlot.querySelector('audio');
  if (!src) {
    audio?.remove();
  } else if (!audio || audio.getAttribute('src') !== src) {
    const player = create('audio');
    player.controls = true;
    player.preload = 'metadata';
    player.src = src;
    player.setAttribute('aria-label', `Narration of ${label}`);
    view.audioSlot.replaceChildren(player);
  } else {
    audio.setAttribute('aria-label', `Narration of ${label}`);
  }
}

function replaceSegment(updated: Segment): void {
  const project = pageState.project;
  if (!project || project.id !== updated.project) return;
  project.segments = project.segments.map((s) => (s.id === updated.id ? updated : s));
}

async function toggleLock(segmentId: string, checkbox: HTMLInputElement): Promise<void> {
  const wanted = checkbox.checked;
  checkbox.disabled = true;
  try {
    replaceSegment(await api.setLocked(segmentId, wanted));
    dispatch({ type: 'segment', segmentId, patch: { error: '' } });
  } catch (error) {
    checkbox.checked = !wanted;
    const message = `Could not ${wanted ? 'lock' : 'unlock'}: ${describe(error)}`;
    dispatch({ type: 'segment', segmentId, patch: { error: message } });
  } finally {
    checkbox.disabled = false;
    renderProject();
  }
}

export function rerenderIfShowing(projectId: string): void {
  if (pageState.project?.id === projectId) renderProject();
}

onGenerationChange(rerenderIfShowing);
