/**
 * What went wrong, in domain terms. Services throw these and never import HTTP types;
 * the API exception filter is the one place that turns a kind into a status code.
 */
export type DomainErrorKind =
  'invalid' | 'not_found' | 'conflict' | 'unavailable' | 'not_implemented';

export interface DomainErrorOptions {
  /** Extra, client-safe context (for validation: messages keyed by field name). */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before trying again (503 and 429). */
  retryAfterSeconds?: number;
}

export class DomainError extends Error {
  readonly details?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A request body or query that failed validation; `details` is keyed by field name. */
export class RequestValidationError extends DomainError {
  constructor(details: Record<string, string[]>, message = 'Validation failed') {
    super('invalid', message, { details });
  }
}
