import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { EngineUnavailableError, SynthesisAbortedError } from '../audio/engine/tts-engine.errors';
import { SynthesisResult, TtsEngine } from '../audio/engine/tts.engine';
import { FairScheduler, Job } from '../audio/fair-scheduler';
import { pcmBytes } from './audio-formats';
import { OpenAiError } from './openai.errors';
import { splitSentences } from './sentences';
import type { SpeechRequest } from './speech-request';

/** Seconds a client is asked to wait when the service cannot take its request. */
const RETRY_AFTER_SECONDS = 5;

/** The speech as it streams: the engine's rate and its 16-bit little-endian mono samples. */
export interface SpeechStream {
  sampleRate: number;
  /** Piece after piece, in order; destroying it cancels what is left. */
  pcm: Readable;
  /** How many pieces (sentences, short ones joined) the input was cut into. */
  pieces: number;
}

interface Pending<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function pending<T>(): Pending<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  // Awaited in order by the stream; a piece nobody reaches (the client left) must not become
  // an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * `POST /v1/audio/speech`: the input cut at sentence boundaries, each piece one job of a
 * group of its own on the engine's fair scheduler (the one generation and the voice preview
 * use), so a long speech request and a batch of segments take turns on the same workers.
 * The answer starts once the first piece is spoken and streams the rest in order; a client
 * that goes away aborts the running pieces and drops the queued ones.
 */
@Injectable()
export class OpenAiSpeechService {
  private active = 0;

  constructor(
    private readonly engine: TtsEngine,
    private readonly scheduler: FairScheduler,
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
  ) {}

  /** Speech answers being streamed now. */
  get activeStreams(): number {
    return this.active;
  }

  /**
   * Resolves once the first piece is synthesized (its rate is the stream's).
   * @throws OpenAiError 503 (+ Retry-After) when SPEECH_MAX_STREAMS answers are streaming
   *   or the engine is not available, 500 when the engine fails the first piece
   * @throws SynthesisAbortedError when `signal` (the client going away) aborts first
   */
  async speak(request: SpeechRequest, signal: AbortSignal): Promise<SpeechStream> {
    if (this.active >= this.config.speechMaxStreams) {
      throw new OpenAiError(
        503,
        `The speech engine is saturated (${this.config.speechMaxStreams} answers streaming); try again shortly`,
        'server_error',
        null,
        'engine_saturated',
        RETRY_AFTER_SECONDS,
      );
    }
    this.active += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active -= 1;
    };
    try {
      return await this.start(request, signal, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  private async start(
    request: SpeechRequest,
    signal: AbortSignal,
    release: () => void,
  ): Promise<SpeechStream> {
    if (!this.engine.isAvailable()) {
      await this.engine.start().catch(() => {
        throw unavailable();
      });
    }
    const pieces = splitSentences(request.input);
    const groupId = `speech_${randomUUID()}`;
    const cancel = new AbortController();
    const results = pieces.map(() => pending<SynthesisResult>());
    const stop = () => {
      cancel.abort();
      this.scheduler.drop(groupId);
      signal.removeEventListener('abort', stop);
      release();
    };
    signal.addEventListener('abort', stop, { once: true });
    const jobs: Job[] = pieces.map((text, i) => async () => {
      try {
        results[i].resolve(
          await this.engine.synthesize(
            { text, voice: request.engineVoice, speed: request.engineSpeed },
            { signal: cancel.signal },
          ),
        );
      } catch (error) {
        results[i].reject(error);
      }
    });
    void this.scheduler.submit(groupId, jobs).then(() => {
      // Settled already, unless the group was dropped (the client left, or shutdown).
      for (const result of results) result.reject(new SynthesisAbortedError('Not spoken'));
    });
    if (signal.aborted) stop();

    let first: SynthesisResult;
    try {
      first = await results[0].promise;
    } catch (error) {
      stop();
      throw engineError(error, signal);
    }
    async function* samples(): AsyncGenerator<Buffer> {
      try {
        for (const result of results) yield pcmBytes((await result.promise).samples);
      } finally {
        stop();
      }
    }
    return { sampleRate: first.sampleRate, pcm: Readable.from(samples()), pieces: pieces.length };
  }
}

function unavailable(): OpenAiError {
  return new OpenAiError(
    503,
    'The speech engine is not available; try again later',
    'server_error',
    null,
    'engine_unavailable',
    RETRY_AFTER_SECONDS,
  );
}

/** A failure of the first piece, as the client is answered. */
function engineError(error: unknown, signal: AbortSignal): Error {
  if (signal.aborted || error instanceof SynthesisAbortedError) {
    return error instanceof Error ? error : new SynthesisAbortedError();
  }
  if (error instanceof EngineUnavailableError) return unavailable();
  return new OpenAiError(
    500,
    `Speech synthesis failed: ${error instanceof Error ? error.message : String(error)}`,
    'server_error',
    null,
    'synthesis_failed',
  );
}
