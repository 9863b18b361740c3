import { DomainError } from '../common/errors/domain.error';

/** Some segments have no audio, and the client did not ask to skip them. */
export class NarrationAudioMissingError extends DomainError {
  constructor(readonly segmentIds: string[]) {
    super(
      'conflict',
      `${segmentIds.length} segment(s) have no audio: generate it first, or pass skip_missing=true`,
      { details: { missing_segment_ids: segmentIds } },
    );
  }
}

/** The segments' audio was made at different sample rates (by different engines). */
export class NarrationSampleRatesDifferError extends DomainError {
  constructor(byRate: Record<string, string[]>) {
    const rates = Object.keys(byRate)
      .map((rate) => `${rate} Hz`)
      .join(', ');
    super(
      'conflict',
      `The segments' audio has different sample rates (${rates}): regenerate all audio with ` +
        'one engine (generate-all-audio with force_regenerate) to export the narration',
      { details: { sample_rates: byRate } },
    );
  }
}
