import {
  api,
  ApiError,
  Project,
  ProjectDetail,
  ProjectTaskAccepted,
  Segment,
  TaskSummary,
  Voice,
} from './api.js';
import {
  GenerationEvent,
  initialGenerationState,
  ProgressState,
  reduceGeneration,
  segmentOf,
} from './generation-state.js';
import { storyImportFrom } from './story-text.js';
import { pollTask } from './task-poller.js';

/*
 * The page: a project list with a story form, one project's segments with their players,
 * generation progress from polling, and the voice settings. Plain DOM, text set with
 * `textContent` only (never HTML built from data). Routes are hashes: `#/` and
 * `#/projects/{id}`.
 */

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

function create<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string } = {},
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  return element;
}

const ui = {
  bootMessage: byId('boot-message'),
  appMessage: byId('app-message'),
  projectsView: byId('projects-view'),
  storyForm: byId<HTMLFormElement>('new-story-form'),
  storyTitle: byId<HTMLInputElement>('story-title'),
  storyText: byId<HTMLTextAreaElement>('story-text'),
  storyError: byId('story-error'),
  createStory: byId<HTMLButtonElement>('create-story'),
  projectList: byId<HTMLUListElement>('project-list'),
  projectListEmpty: byId('project-list-empty'),
  moreProjects: byId<HTMLButtonElement>('more-projects'),
  projectView: byId('project-view'),
  projectTitle: byId('project-title'),
  projectSummary: byId('project-summary'),
  generateAll: byId<HTMLButtonElement>('generate-all'),
  forceRegenerate: byId<HTMLInputElement>('force-regenerate'),
  progressPanel: byId('progress-panel'),
  progressBar: byId<HTMLProgressElement>('progress-bar'),
  progressText: byId('progress-text'),
  progressError: byId('progress-error'),
  segmentList: byId<HTMLOListElement>('segment-list'),
  downloadNarration: byId<HTMLAnchorElement>('download-narration'),
  downloadSubtitles: byId<HTMLAnchorElement>('download-subtitles'),
  downloadMp3: byId<HTMLAnchorElement>('download-mp3'),
  playAll: byId<HTMLButtonElement>('play-all'),
  narrationHelp: byId('narration-help'),
  playStatus: byId('play-status'),
  settingsForm: byId<HTMLFormElement>('settings-form'),
  voiceSelect: byId<HTMLSelectElement>('voice-select'),
  speedInput: byId<HTMLInputElement>('speed-input'),
  speedOutput: byId<HTMLOutputElement>('speed-output'),
  saveSettings: byId<HTMLButtonElement>('save-settings'),
  settingsStatus: byId('settings-status'),
};

// ---------------------------------------------------------------------------
// State: the open project, the project list's next page and the voices; generation state
// (progress panels, segment states, followed tasks) in generation-state.ts, changed only by
// `dispatch`.

const state = {
  project: null as ProjectDetail | null,
  nextProjectsUrl: null as string | null,
  voices: [] as Voice[],
};

let generation = initialGenerationState();

/** Applies a generation event and shows the result if its project is open. */
function dispatch(event: GenerationEvent, projectId = state.project?.id): void {
  generation = reduceGeneration(generation, event);
  if (projectId) rerenderIfShowing(projectId);
}

// ---------------------------------------------------------------------------
// Messages

function showMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  ui.appMessage.textContent = text;
  ui.appMessage.classList.toggle('notice-error', kind === 'error');
  ui.appMessage.hidden = text === '';
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------
// Routing

function currentRoute(): { view: 'projects' } | { view: 'project'; id: string } {
  const match = /^#\/projects\/([^/?#]+)$/.exec(location.hash);
  return match ? { view: 'project', id: decodeURIComponent(match[1]) } : { view: 'projects' };
}

async function route(): Promise<void> {
  const target = currentRoute();
  showMessage('');
  stopPlayAll('');
  if (target.view === 'project') {
    ui.projectsView.hidden = true;
    ui.projectView.hidden = false;
    await openProject(target.id, { focus: true });
  } else {
    state.project = null;
    ui.projectView.hidden = true;
    ui.projectsView.hidden = false;
    await loadProjects();
  }
}

// ---------------------------------------------------------------------------
// Project list

async function loadProjects(): Promise<void> {
  try {
    const page = await api.listProjects();
    ui.projectList.replaceChildren(...page.results.map(projectItem));
    state.nextProjectsUrl = page.next;
    ui.moreProjects.hidden = page.next === null;
    ui.projectListEmpty.hidden = page.results.length > 0;
  } catch (error) {
    showMessage(`Could not load the projects: ${describe(error)}`, 'error');
  }
}

async function loadMoreProjects(): Promise<void> {
  if (!state.nextProjectsUrl) return;
  try {
    // `next` is an absolute URL; only its path and query are used, so the page stays same-origin.
    const next = new URL(state.nextProjectsUrl);
    const page = await api.listProjects(next.pathname + next.search);
    ui.projectList.append(...page.results.map(projectItem));
    state.nextProjectsUrl = page.next;
    ui.moreProjects.hidden = page.next === null;
  } catch (error) {
    showMessage(`Could not load more projects: ${describe(error)}`, 'error');
  }
}

function projectItem(project: Project): HTMLLIElement {
  const item = create('li', { className: 'project-item' });
  const link = create('a', { className: 'project-link', text: project.title });
  link.href = `#/projects/${encodeURIComponent(project.id)}`;
  const count = project.segment_count;
  const meta = create('span', {
    className: 'help',
    text: `${count} segment${count === 1 ? '' : 's'} · created ${new Date(project.created_at).toLocaleString()}`,
  });
  const remove = create('button', { className: 'danger', text: 'Delete' });
  remove.type = 'button';
  remove.setAttribute('aria-label', `Delete project “${project.title}”`);
  remove.addEventListener('click', () => void deleteProject(project, remove));
  const text = create('div', { className: 'project-text' });
  text.append(link, meta);
  item.append(text, remove);
  return item;
}

async function deleteProject(project: Project, button: HTMLButtonElement): Promise<void> {
  if (!window.confirm(`Delete “${project.title}” with its segments and audio?`)) return;
  button.disabled = true;
  try {
    await api.deleteProject(project.id);
    dispatch({ type: 'progress', projectId: project.id, progress: null });
    showMessage(`Deleted “${project.title}”.`);
    await loadProjects();
    ui.storyTitle.focus();
  } catch (error) {
    button.disabled = false;
    showMessage(`Could not delete “${project.title}”: ${describe(error)}`, 'error');
  }
}

async function createStory(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  ui.storyError.textContent = '';
  const title = ui.storyTitle.value.trim();
  const body = storyImportFrom(title, ui.storyText.value);
  if (!title) {
    ui.storyError.textContent = 'Give the story a title.';
    ui.storyTitle.focus();
    return;
  }
  if (!body) {
    ui.storyError.textContent = 'Write or paste the story first.';
    ui.storyText.focus();
    return;
  }
  ui.createStory.disabled = true;
  try {
    const project = await api.importStory(body);
    ui.storyForm.reset();
    location.hash = `#/projects/${encodeURIComponent(project.id)}`;
  } catch (error) {
    ui.storyError.textContent = `Could not create the project: ${describe(error)}`;
  } finally {
    ui.createStory.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// One project

async function openProject(projectId: string, options: { focus?: boolean } = {}): Promise<void> {
  try {
    const project = await api.getProject(projectId);
    // The user may have navigated elsewhere while this was loading.
    const route = currentRoute();
    if (route.view !== 'project' || route.id !== projectId) return;
    if (state.project?.id !== project.id) ui.segmentList.replaceChildren();
    state.project = project;
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
      state.project = null;
      showMessage('This project does not exist (any more).', 'error');
    } else {
      showMessage(`Could not load the project: ${describe(error)}`, 'error');
    }
  }
}

function renderProject(): void {
  const project = state.project;
  if (!project) return;
  ui.projectTitle.textContent = project.title;
  document.title = `${project.title} · StoryFlow Voice`;
  const withAudio = project.segments.filter(
    (s) => s.audio_file || generation.segments.get(s.id)?.audioSrc,
  );
  ui.projectSummary.textContent =
    `${project.segments.length} segment${project.segments.length === 1 ? '' : 's'}, ` +
    `${withAudio.length} with audio.`;
  ui.generateAll.disabled = generation.activeBatch.has(project.id) || project.segments.length === 0;
  renderProgress();
  renderSegments();
  renderNarration(project, project.segments.length - withAudio.length);
}

// ---------------------------------------------------------------------------
// Whole story: downloads and "Play all"

/** The downloads are offered once every segment has audio (the server answers 409 before). */
function renderNarration(project: ProjectDetail, missing: number): void {
  const ready = project.segments.length > 0 && missing === 0;
  const links: [HTMLAnchorElement, 'wav' | 'mp3' | 'srt'][] = [
    [ui.downloadNarration, 'wav'],
    [ui.downloadSubtitles, 'srt'],
    [ui.downloadMp3, 'mp3'],
  ];
  for (const [link, ext] of links) {
    if (ready) {
      link.href = api.narrationUrl(project.id, ext);
      link.removeAttribute('aria-disabled');
    } else {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
    }
  }
  ui.downloadMp3.setAttribute('aria-label', 'Download narration as MP3');
  ui.narrationHelp.textContent = ready
    ? 'One WAV of the whole story (or a smaller MP3), and its subtitles (SRT, one cue per sentence).'
    : project.segments.length === 0
      ? 'Add segments to narrate the story.'
      : `${missing} segment${missing === 1 ? ' has' : 's have'} no audio yet: generate all audio to download the whole story.`;
  ui.playAll.disabled = !playAll && project.segments.length === missing;
}

/** The players being played one after the other, and which one is playing. */
let playAll: { players: HTMLAudioElement[]; index: number } | null = null;

function togglePlayAll(): void {
  if (playAll) {
    stopPlayAll('Stopped.');
    return;
  }
  const players = [...ui.segmentList.querySelectorAll<HTMLAudioElement>('li.segment audio')];
  if (players.length === 0) {
    ui.playStatus.textContent = 'No segment has audio yet.';
    return;
  }
  playAll = { players, index: -1 };
  ui.playAll.textContent = 'Stop';
  playNext();
}

function playNext(): void {
  if (!playAll) return;
  const previous = playAll.players[playAll.index];
  previous?.closest('li')?.classList.remove('is-playing');
  playAll.index += 1;
  const player = playAll.players[playAll.index];
  if (!player || !player.isConnected) {
    stopPlayAll(
      player ? 'Stopped: the segments changed.' : `Played all ${playAll.players.length} segments.`,
    );
    return;
  }
  const item = player.closest('li');
  item?.classList.add('is-playing');
  item?.scrollIntoView({ block: 'nearest' });
  const name = item?.querySelector('h3')?.textContent ?? `segment ${playAll.index + 1}`;
  ui.playStatus.textContent = `Playing ${playAll.index + 1} of ${playAll.players.length}: ${name}`;
  player.currentTime = 0;
  player.addEventListener('ended', onPlayerEnded, { once: true });
  player
    .play()
    .catch((error: unknown) => stopPlayAll(`Could not play ${name}: ${describe(error)}`));
}

function onPlayerEnded(): void {
  playNext();
}

function stopPlayAll(message: string): void {
  if (!playAll) return;
  for (const player of playAll.players) {
    player.removeEventListener('ended', onPlayerEnded);
    player.closest('li')?.classList.remove('is-playing');
    if (!player.paused) player.pause();
  }
  playAll = null;
  ui.playAll.textContent = 'Play all';
  ui.playStatus.textContent = message;
}

function renderProgress(): void {
  const project = state.project;
  const progress = project ? generation.progress.get(project.id) : undefined;
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
  const project = state.project;
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
  const local = segmentOf(generation, segment.id);
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
  const project = state.project;
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

// ---------------------------------------------------------------------------
// Generation and progress

async function generateAll(): Promise<void> {
  const project = state.project;
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

async function generateSegment(segmentId: string): Promise<void> {
  const project = state.project;
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
async function resumeTasks(projectId: string): Promise<void> {
  let tasks: TaskSummary[];
  try {
    tasks = (await api.projectTasks(projectId)).results;
  } catch {
    return; // Nothing to resume is not worth an error message; the project itself loaded.
  }
  // Oldest first, so a batch started last holds the progress panel.
  for (const task of [...tasks].reverse()) {
    const finished = task.status === 'COMPLETED' || task.status === 'FAILED';
    if (finished || generation.followed.has(task.task_id)) continue;
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
  if (generation.followed.has(taskId)) return;
  dispatch({ type: 'follow', taskId, projectId, kind, total, segmentId, resumedAt }, projectId);
  pollTask(taskId, {
    onStatus(snapshot) {
      dispatch({ type: 'snapshot', taskId, snapshot, origin: location.origin }, projectId);
    },
    onFinished(snapshot) {
      dispatch({ type: 'finished', taskId, snapshot }, projectId);
      // Pick up audio_file and audio_duration as the server now stores them.
      if (state.project?.id === projectId) void openProject(projectId);
    },
    onLostConnection(error) {
      if (generation.progress.get(projectId)?.taskId !== taskId) {
        showMessage(`Lost connection to the server while following task ${taskId}.`, 'error');
      }
      dispatch({ type: 'lost', taskId, reason: error.describe() }, projectId);
    },
  });
}

function rerenderIfShowing(projectId: string): void {
  if (state.project?.id === projectId) renderProject();
}

// ---------------------------------------------------------------------------
// Settings

async function loadSettings(): Promise<void> {
  try {
    const [voices, settings] = await Promise.all([api.listVoices(), api.getSettings()]);
    state.voices = voices;
    ui.voiceSelect.replaceChildren(
      ...voices.map((voice) => {
        const option = create('option', { text: voiceLabel(voice) });
        option.value = voice.id;
        return option;
      }),
    );
    ui.voiceSelect.value = settings.default_voice_id;
    ui.speedInput.value = String(settings.tts_speed);
    showSpeed();
  } catch (error) {
    ui.settingsStatus.textContent = `Could not load the settings: ${describe(error)}`;
  }
}

function voiceLabel(voice: Voice): string {
  return `${voice.name} (${[voice.gender, voice.accent].filter(Boolean).join(', ')})`;
}

function showSpeed(): void {
  ui.speedOutput.value = `${Number(ui.speedInput.value).toFixed(1)}×`;
}

async function saveSettings(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  ui.saveSettings.disabled = true;
  ui.settingsStatus.textContent = 'Saving…';
  try {
    const saved = await api.saveSettings({
      default_voice_id: ui.voiceSelect.value,
      tts_speed: Number(ui.speedInput.value),
    });
    const voice = state.voices.find((v) => v.id === saved.default_voice_id);
    ui.settingsStatus.textContent =
      `Saved: ${voice?.name ?? saved.default_voice_id} at ${saved.tts_speed.toFixed(1)}×. ` +
      'Generations started from now on use it.';
  } catch (error) {
    ui.settingsStatus.textContent = `Not saved: ${describe(error)}`;
  } finally {
    ui.saveSettings.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Start

ui.storyForm.addEventListener('submit', (event) => void createStory(event));
ui.moreProjects.addEventListener('click', () => void loadMoreProjects());
ui.generateAll.addEventListener('click', () => void generateAll());
ui.playAll.addEventListener('click', togglePlayAll);
ui.settingsForm.addEventListener('submit', (event) => void saveSettings(event));
ui.speedInput.addEventListener('input', showSpeed);
window.addEventListener('hashchange', () => void route());
// The skip link must not change the hash: the hash is the route.
document.querySelector<HTMLAnchorElement>('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  byId('main').focus();
});

ui.bootMessage.remove();
void loadSettings();
void route();
