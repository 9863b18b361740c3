import type { ProjectDetail, Voice } from './api.js';
import {
  GenerationEvent,
  GenerationState,
  initialGenerationState,
  reduceGeneration,
} from './generation-state.js';

/*
 * The page's state: the open project, the project list's next page and the voices, and the
 * generation state (progress panels, segment states, followed tasks: generation-state.ts),
 * which changes only through `dispatch`.
 */

export const pageState = {
  project: null as ProjectDetail | null,
  nextProjectsUrl: null as string | null,
  voices: [] as Voice[],
};

let generation = initialGenerationState();
let onChange: (projectId: string) => void = () => undefined;

export function generationState(): GenerationState {
  return generation;
}

/** Who shows a project's generation state when it changes (the project view). */
export function onGenerationChange(listener: (projectId: string) => void): void {
  onChange = listener;
}

/** Applies a generation event, then lets the view show it. */
export function dispatch(event: GenerationEvent, projectId = pageState.project?.id): void {
  generation = reduceGeneration(generation, event);
  if (projectId) onChange(projectId);
}
