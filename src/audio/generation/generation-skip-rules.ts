import type { Segment } from '../../projects/segments/segment.types';

export interface ProjectGenerationOptions {
  skipLocked: boolean;
  forceRegenerate: boolean;
}

/** Which of a project's segments a "generate all" synthesizes, and why the others are skipped. */
export interface GenerationSelection<S> {
  todo: S[];
  skippedLocked: number;
  skippedExisting: number;
  skippedEmpty: number;
}

/**
 * The contract's skip rules for `generate-all-audio`, in order: a locked segment is skipped
 * when `skip_locked`; an empty (whitespace) text is always skipped; a segment with audio is
 * skipped unless `force_regenerate`. Everything else is generated, in the given order.
 */
export function selectSegmentsToGenerate<
  S extends Pick<Segment, 'isLocked' | 'textContent' | 'audioFile'>,
>(segments: readonly S[], options: ProjectGenerationOptions): GenerationSelection<S> {
  const selection: GenerationSelection<S> = {
    todo: [],
    skippedLocked: 0,
    skippedExisting: 0,
    skippedEmpty: 0,
  };
  for (const segment of segments) {
    if (segment.isLocked && options.skipLocked) selection.skippedLocked += 1;
    else if (segment.textContent.trim() === '') selection.skippedEmpty += 1;
    else if (segment.audioFile !== null && !options.forceRegenerate) selection.skippedExisting += 1;
    else selection.todo.push(segment);
  }
  return selection;
}
