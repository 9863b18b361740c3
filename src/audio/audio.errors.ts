import { DomainError } from '../common/errors/domain.error';

/**
 * The TTS engine could not start or is shutting down; on an API node, no worker can speak now
 * (`reason` says why: no worker running, Redis away).
 */
export class SpeechEngineUnavailableError extends DomainError {
  constructor(reason = 'The speech engine is not available', retryAfterSeconds = 10) {
    super('unavailable', `${reason}; try again later`, { retryAfterSeconds });
  }
}

/** The server is shutting down and accepts no new work. */
export class ShuttingDownError extends DomainError {
  constructor() {
    super('unavailable', 'The server is shutting down; try again later', {
      retryAfterSeconds: 10,
    });
  }
}

/** The segment has no text to speak. */
export class EmptySegmentTextError extends DomainError {
  constructor() {
    super('invalid', 'Segment has no text to synthesize');
  }
}

/** A locked segment is never regenerated on its own. */
export class SegmentLockedForGenerationError extends DomainError {
  constructor() {
    super('conflict', 'Segment is locked');
  }
}

/** Another unfinished task already works on this segment or project. */
export class GenerationInProgressError extends DomainError {
  constructor(
    what: 'segment' | 'project',
    readonly taskId: string,
  ) {
    super('conflict', `Audio generation is already running for this ${what}`, {
      details: { task_id: taskId },
    });
  }
}
