import { ApiError } from './api.js';

/* The page's elements and small DOM helpers. Text is set with `textContent` only (never HTML
 * built from data). */

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

export function create<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string } = {},
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  return element;
}

export const ui = {
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

// Messages

export function showMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  ui.appMessage.textContent = text;
  ui.appMessage.classList.toggle('notice-error', kind === 'error');
  ui.appMessage.hidden = text === '';
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}
