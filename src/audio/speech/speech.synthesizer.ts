import { EngineUnavailableError } from '../engine/tts-engine.errors';
import type { SynthesisRequest, SynthesisResult } from '../engine/tts.engine';

/**
 * No engine can take a request for speech now: the engine is down (one process), or no
 * worker node is running or Redis is away (an API node). A 503 with Retry-After at the HTTP
 * edge, in each route's shape. An `EngineUnavailableError`, so callers that map that one map
 * this one too.
 */
export class SpeechUnavailableError extends EngineUnavailableError {
  constructor(
    message = 'The speech engine is not available',
    /** Seconds a client should wait before trying again. */
    readonly retryAfterSeconds = 10,
  ) {
    super(message);
  }
}

/**
 * Port: synthesis on request, for the voice preview and `POST /v1/audio/speech` (generation
 * has its own port, `GenerationQueue`). A request is one or more pieces of text, spoken in
 * order, answered piece by piece; it takes its turn beside the generation work on the same
 * engine, never behind a whole batch.
 *
 * Adapters: `InProcessSpeechSynthesizer` (this process's engine, through its fair scheduler:
 * one process, and `ROLE=all`), `BullmqSpeechSynthesizer` (`ROLE=api` with `REDIS_URL`: a
 * BullMQ job per piece, run by the worker nodes' `BullmqSpeechProcessor`).
 * `speech-synthesizer.contract.ts` is the suite both pass.
 */
export abstract class SpeechSynthesizer {
  /**
   * The pieces' samples, in order. Iterate it to the end, or abort `signal` (breaking out of
   * a `for await` also stops it): what is left is dropped, a running piece is aborted where
   * the engine allows.
   *
   * Each step rejects with `SpeechUnavailableError` (or another `EngineUnavailableError`)
   * when nothing can synthesize now, `SynthesisAbortedError` once `signal` aborted, and any
   * other error when the engine failed the piece (`SynthesisFailedError`).
   */
  abstract speak(
    pieces: readonly SynthesisRequest[],
    signal: AbortSignal,
  ): AsyncGenerator<SynthesisResult, void, undefined>;
}
