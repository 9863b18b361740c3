/**
 * Errors of the TTS engine port. Plain `Error` subclasses: callers (the audio service,
 * the task runner) decide what they mean for a client; nothing here knows about HTTP.
 */

/** The engine could not start, was closed, or was used before `start()`. */
export class EngineUnavailableError extends Error {
  constructor(message = 'The speech engine is not available', options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller's AbortSignal fired before the synthesis finished. */
export class SynthesisAbortedError extends Error {
  constructor(message = 'Speech synthesis was cancelled', options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The engine rejected the request (unknown voice, bad speed...) or its worker died. */
export class SynthesisFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
