import { randomUUID } from 'node:crypto';
import { SynthesisAbortedError } from '../engine/tts-engine.errors';
import type { SynthesisRequest, SynthesisResult } from '../engine/tts.engine';
import { TtsEngine } from '../engine/tts.engine';
import { FairScheduler, Job } from '../fair-scheduler';
import { SpeechSynthesizer, SpeechUnavailableError } from './speech.synthesizer';

interface Pending<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function pending<T>(): Pending<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  // Awaited in order; a piece nobody reaches (the caller stopped) must not become an
  // unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Speech on this process's engine: every piece is a job of one group of the engine's fair
 * scheduler (the one generation uses), so a request takes turns with the running tasks
 * instead of waiting for a batch. All pieces are queued at once and kept until read (they
 * are small, and this is where the engine is). Aborting drops the queued pieces and aborts
 * the running ones.
 */
export class InProcessSpeechSynthesizer extends SpeechSynthesizer {
  constructor(
    private readonly engine: TtsEngine,
    private readonly scheduler: FairScheduler,
  ) {
    super();
  }

  async *speak(
    pieces: readonly SynthesisRequest[],
    signal: AbortSignal,
  ): AsyncGenerator<SynthesisResult, void, undefined> {
    // Right after the server starts the engine may still be warming up: wait for that start
    // (shared with the one the generation queue began).
    if (!this.engine.isAvailable()) {
      await this.engine.start().catch(() => {
        throw new SpeechUnavailableError();
      });
    }
    if (signal.aborted) throw new SynthesisAbortedError();
    const groupId = `speech_${randomUUID()}`;
    const cancel = new AbortController();
    const results = pieces.map(() => pending<SynthesisResult>());
    const stop = () => {
      signal.removeEventListener('abort', stop);
      if (cancel.signal.aborted) return;
      cancel.abort();
      this.scheduler.drop(groupId);
      for (const result of results) result.reject(new SynthesisAbortedError());
    };
    signal.addEventListener('abort', stop, { once: true });
    const jobs: Job[] = pieces.map((piece, i) => async () => {
      try {
        results[i].resolve(await this.engine.synthesize(piece, { signal: cancel.signal }));
      } catch (error) {
        results[i].reject(error);
      }
    });
    void this.scheduler.submit(groupId, jobs).then(() => {
      // Settled already, unless the group was dropped (the caller stopped, or shutdown).
      for (const result of results)
        result.reject(new SpeechUnavailableError('The speech engine is stopping'));
    });
    try {
      for (const result of results) yield await result.promise;
    } finally {
      stop();
    }
  }
}
