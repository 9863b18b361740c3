import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Piscina } from 'piscina';
import {
  EngineUnavailableError,
  SynthesisAbortedError,
  SynthesisFailedError,
} from './tts-engine.errors';
import {
  EngineStats,
  SynthesisOptions,
  SynthesisRequest,
  SynthesisResult,
  TtsEngine,
} from './tts-engine.port';

/** DI token for `EspeakEngineOptions` (optional: defaults apply without it). */
export const ESPEAK_ENGINE_OPTIONS = Symbol('ESPEAK_ENGINE_OPTIONS');

export interface EspeakEngineOptions {
  /** Worker threads, i.e. segments synthesized in parallel. Default: `os.availableParallelism()`. */
  workers?: number;
}

/** Hand-written ESM so it loads unchanged from `src/` (ts-jest, ts-node) and `dist/`. */
const WORKER_FILE = join(__dirname, 'espeak.worker.mjs');

/** eSpeak's default rate, which `speed: 1.0` stands for. */
const DEFAULT_RATE_WPM = 175;
const MIN_SPEED = 0.5;
const MAX_SPEED = 2.0;

/** Slots of the shared Int32Array each task carries; mirrored in espeak.worker.mjs. */
const CANCEL = 0;
const STARTED = 1;

interface WarmupOutput {
  sampleRate: number;
  voices: { name: string; identifier: string }[];
}

/**
 * eSpeak-NG behind the `TtsEngine` port. Synthesis blocks a thread for hundreds of
 * milliseconds per paragraph, so it runs in a fixed piscina pool with one engine per
 * worker thread; the main event loop only sends texts and receives transferred samples.
 */
@Injectable()
export class EspeakTtsEngine extends TtsEngine implements OnApplicationShutdown {
  readonly workers: number;
  private readonly logger = new Logger(EspeakTtsEngine.name);
  private pool: Piscina | null = null;
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(@Optional() @Inject(ESPEAK_ENGINE_OPTIONS) options: EspeakEngineOptions = {}) {
    super();
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`EspeakTtsEngine: workers must be a positive integer, got ${workers}`);
    }
    this.workers = workers;
  }

  start(): Promise<void> {
    if (this.closed)
      return Promise.reject(new EngineUnavailableError('The speech engine is closed'));
    // Concurrent callers share one start; a failed start may be retried.
    this.starting ??= this.createPool().catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  async synthesize(
    request: SynthesisRequest,
    options: SynthesisOptions = {},
  ): Promise<SynthesisResult> {
    const pool = this.pool;
    if (!pool || this.closed) throw new EngineUnavailableError();
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new SynthesisAbortedError();
    const rate = rateForSpeed(request.speed);
    if (request.text.trim() === '')
      throw new SynthesisFailedError('Nothing to synthesize: the text is empty');

    const flag = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const channel = onProgress ? new MessageChannel() : undefined;
    let settled = false;
    let reported = -1; // so that the first report, often 0, tells the caller the task started
    const report = (fraction: number) => {
      if (settled || !onProgress || !(fraction > reported)) return;
      reported = fraction;
      try {
        onProgress(fraction);
      } catch (error) {
        // A listener bug must not become an uncaught exception in a port's message handler.
        this.logger.warn(`onProgress listener threw: ${describe(error)}`);
      }
    };
    channel?.port1.on('message', (fraction: number) => report(fraction));

    let rejectQueued!: (error: Error) => void;
    const abortedWhileQueued = new Promise<never>((_, reject) => (rejectQueued = reject));
    const onAbort = () => {
      // The worker polls this flag between audio chunks and stops within milliseconds,
      // without terminating the thread (piscina's own `signal` would kill the worker).
      Atomics.store(flag, CANCEL, 1);
      // Not picked up yet: reject now; the worker drops the task when it reaches it.
      if (Atomics.load(flag, STARTED) === 0) rejectQueued(new SynthesisAbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const task: Promise<SynthesisResult> = pool.run(
      {
        text: request.text,
        voice: request.voice,
        rate,
        progressPort: channel?.port2,
        cancelFlag: flag,
      },
      { transferList: channel ? [channel.port2] : [] },
    );
    // Close our end only once the worker is done with the task: a queued task still
    // carries the other end, and closing one end closes both.
    void task.catch(() => undefined).finally(() => channel?.port1.close());

    try {
      const result = await Promise.race([task, abortedWhileQueued]);
      if (signal?.aborted) throw new SynthesisAbortedError();
      report(1);
      return result;
    } catch (error) {
      if (error instanceof SynthesisAbortedError) throw error;
      if (Atomics.load(flag, CANCEL) !== 0)
        throw new SynthesisAbortedError(undefined, { cause: error });
      throw new SynthesisFailedError(`Speech synthesis failed: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  isAvailable(): boolean {
    return this.pool !== null && !this.closed;
  }

  stats(): EngineStats {
    const pool = this.pool;
    if (!pool) return { workers: 0, busy: 0, queued: 0 };
    const workers = pool.threads.length;
    return { workers, busy: Math.max(0, workers - pool.idleThreads), queued: pool.queueSize };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const pool = this.pool;
    this.pool = null;
    if (pool) await shutDown(pool, 'graceful');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async createPool(): Promise<void> {
    const started = Date.now();
    const pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: Infinity,
      // Node's default, made explicit so that a sandboxed `process.env` (jest) reaches the
      // workers too: it carries STORYFLOW_TEST_HOOKS (see espeak.worker.mjs).
      env: process.env,
    });
    // Without a listener, a worker dying while idle would crash the whole process.
    pool.on('error', (error: unknown) =>
      this.logger.error(`TTS worker failed: ${describe(error)}`),
    );
    let warm: WarmupOutput[];
    try {
      // One warmup per worker, held at a barrier in the workers so each takes exactly one:
      // every engine is initialised before the first real request.
      const barrier = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      warm = await Promise.all(
        Array.from(
          { length: this.workers },
          () => pool.run({ warmup: true, barrier, parties: this.workers }) as Promise<WarmupOutput>,
        ),
      );
    } catch (error) {
      await shutDown(pool, 'now');
      throw new EngineUnavailableError(`The speech engine could not start: ${describe(error)}`, {
        cause: error,
      });
    }
    if (this.closed) {
      await shutDown(pool, 'now');
      throw new EngineUnavailableError('The speech engine was closed while starting');
    }
    this.pool = pool;
    this.logger.log(
      `eSpeak-NG ready: ${this.workers} worker(s), ${warm[0].sampleRate} Hz, ` +
        `${warm[0].voices.length} voices, warmed in ${Date.now() - started} ms`,
    );
  }
}

/** speed 0.5–2.0 → eSpeak words per minute (88–350, inside eSpeak's 80–450). */
function rateForSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) {
    throw new SynthesisFailedError(
      `Speed must be between ${MIN_SPEED} and ${MAX_SPEED}, got ${speed}`,
    );
  }
  return Math.round(DEFAULT_RATE_WPM * speed);
}

/** Graceful waits for queued and running tasks; 'now' terminates the workers. */
async function shutDown(pool: Piscina, mode: 'graceful' | 'now'): Promise<void> {
  await (mode === 'graceful' ? pool.close() : pool.destroy());
  // piscina never ends its own async resource: `jest --detectOpenHandles` would report it.
  pool.emitDestroy();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
