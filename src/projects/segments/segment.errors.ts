import { DomainError, DomainErrorKind } from '../../common/errors/domain.error';

/** The segment does not exist (or the id is not a UUID). */
export class SegmentNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'Segment not found');
  }
}

/**
 * The segment is locked against the requested change. 400 for edits (as the contract's
 * PATCH and remove-audio), 409 when another operation conflicts with the lock.
 */
export class SegmentLockedError extends DomainError {
  constructor(message = 'Cannot modify a locked segment.', kind: DomainErrorKind = 'invalid') {
    super(kind, message);
  }
}

/** remove-audio on a segment that has none. */
export class SegmentHasNoAudioError extends DomainError {
  constructor() {
    super('invalid', 'Segment has no audio to remove');
  }
}

/** A reorder list that is not exactly a permutation of the project's segment ids. */
export class InvalidSegmentOrderError extends DomainError {
  constructor(problems: string[]) {
    super('invalid', 'Invalid segment IDs', { details: { segment_order: problems } });
  }
}

/** remove-image on a segment that has none. */
export class SegmentHasNoImageError extends DomainError {
  constructor() {
    super('invalid', 'Segment has no image to remove');
  }
}
