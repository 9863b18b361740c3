import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { EngineUnavailableError, SynthesisAbortedError } from '../audio/engine/tts-engine.errors';
import type { SynthesisResult } from '../audio/engine/tts.engine';
import { SpeechSynthesizer, SpeechUnavailableError } from '../audio/speech/speech.synthesizer';
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

/**
 * `POST /v1/audio/speech`: the input cut at sentence boundaries, the pieces spoken in order
 * by the `SpeechSynthesizer` (this process's engine, taking turns with generation on its fair
 * scheduler; on an API node, the workers' through BullMQ). The answer starts once the first
 * piece is spoken and streams the rest in order, one piece read at a time; a client that
 * goes away stops what is left.
 */
@Injectable()
export class OpenAiSpeechService {
  private active = 0;

  constructor(
    private readonly speech: SpeechSynthesizer,
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
    const pieces = splitSentences(request.input);
    const cancel = new AbortController();
    const spoken = this.speech.speak(
      pieces.map((text) => ({ text, voice: request.engineVoice, speed: request.engineSpeed })),
      cancel.signal,
    );
    const stop = () => {
      signal.removeEventListener('abort', stop);
      cancel.abort();
      release();
    };
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();

    let first: SynthesisResult;
    try {
      const step = await spoken.next();
      if (step.done) throw new SynthesisAbortedError('Not spoken');
      first = step.value;
    } catch (error) {
      stop();
      await spoken.return();
      throw engineError(error, signal);
    }
    async function* samples(): AsyncGenerator<Buffer> {
      try {
        yield pcmBytes(first.samples);
        for await (const result of spoken) yield pcmBytes(result.samples);
      } finally {
        stop();
        await spoken.return();
      }
    }
    // One piece at a time: the next is asked for when the client has taken this one.
    return {
      sampleRate: first.sampleRate,
      pcm: Readable.from(samples(), { highWaterMark: 1 }),
      pieces: pieces.length,
    };
  }
}

function unavailable(
  reason = 'The speech engine is not available',
  retryAfter = RETRY_AFTER_SECONDS,
): OpenAiError {
  return new OpenAiError(
    503,
    `${reason}; try again later`,
    'server_error',
    null,
    'engine_unavailable',
    retryAfter,
  );
}

/** A failure of the first piece, as the client is answered. */
function engineError(error: unknown, signal: AbortSignal): Error {
  if (signal.aborted || error instanceof SynthesisAbortedError) {
    return error instanceof Error ? error : new SynthesisAbortedError();
  }
  if (error instanceof SpeechUnavailableError) {
    return unavailable(error.message, error.retryAfterSeconds);
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
