import { SPEED_MAX, SPEED_MIN } from '../../common/speech/speed';
import { describeError } from '../../common/errors/describe-error';
import { MessageChannel } from 'node:worker_threads';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Piscina } from 'piscina';
import {
  EngineUnavailableError,
  SynthesisAbortedError,
  SynthesisFailedError,
} from './tts-engine.errors';
import {
  EngineDescription,
  EngineStats,
  SynthesisOptions,
  SynthesisRequest,
  SynthesisResult,
  TtsEngine,
} from './tts.engine';

/** Slots of the shared Int32Array each task carries; mirrored in the worker files. */
const CANCEL = 0;
const STARTED = 1;

/** How a subclass's workers are loaded: the worker file and the data every worker gets. */
export interface WorkerPoolSpec {
  /** Hand-written ESM, so it loads unchanged from `src/` (ts-jest, ts-node) and `dist/`. */
  filename: string;
  /** Piscina's `workerData`: structured-cloned (SharedArrayBuffers shared) into each worker. */
  workerData?: unknown;
}

/**
 * A `TtsEngine` whose synthesis runs in a fixed piscina pool, one engine instance per worker
 * thread; the main event loop only sends texts and receives transferred samples. Holds the
 * port's contract for every engine alike: cancel through a shared flag the worker polls
 * (the thread survives), progress through a MessagePort, a dying worker failing only its
 * own task, warmup of every worker before `start()` resolves.
 *
 * A subclass says which worker file runs (`poolSpec`), what a task carries (`taskFor`) and
 * how the warm pool is described in the start log (`readyMessage`).
 */
export abstract class WorkerPoolTtsEngine extends TtsEngine implements OnApplicationShutdown {
  readonly workers: number;
  protected abstract readonly logger: Logger;
  private pool: Piscina | null = null;
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(workers: number) {
    super();
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(
        `${new.target.name}: workers must be a positive integer, got ${workers}`,
      );
    }
    this.workers = workers;
  }

  protected abstract poolSpec(): WorkerPoolSpec;

  /** The worker's task for one request (checked here: throws SynthesisFailedError). */
  protected abstract taskFor(request: SynthesisRequest): Record<string, unknown>;

  /** The start log line, from the workers' warmup answers. */
  protected abstract readyMessage(warm: unknown[], elapsedMs: number): string;

  abstract describe(): EngineDescription;

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
    if (!Number.isFinite(request.speed) || request.speed < SPEED_MIN || request.speed > SPEED_MAX) {
      throw new SynthesisFailedError(
        `Speed must be between ${SPEED_MIN} and ${SPEED_MAX}, got ${request.speed}`,
      );
    }
    if (request.text.trim() === '')
      throw new SynthesisFailedError('Nothing to synthesize: the text is empty');
    const payload = this.taskFor(request);

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
        this.logger.warn(`onProgress listener threw: ${describeError(error)}`);
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
      { ...payload, progressPort: channel?.port2, cancelFlag: flag },
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
      throw new SynthesisFailedError(`Speech synthesis failed: ${describeError(error)}`, {
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

  /** Runs one task that is not a synthesis (e.g. tokenization) on the warm pool. */
  protected async runOnPool<T>(task: Record<string, unknown>): Promise<T> {
    const pool = this.pool;
    if (!pool || this.closed) throw new EngineUnavailableError();
    return (await pool.run(task)) as T;
  }

  /** Turns a warmup failure into the start error (a subclass may name its files). */
  protected startError(error: unknown): EngineUnavailableError {
    return new EngineUnavailableError(
      `The speech engine could not start: ${describeError(error)}`,
      { cause: error },
    );
  }

  private async createPool(): Promise<void> {
    const started = Date.now();
    const spec = this.poolSpec();
    const pool = new Piscina({
      filename: spec.filename,
      workerData: spec.workerData,
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: Infinity,
      // Node's default, made explicit so that a sandboxed `process.env` (jest) reaches the
      // workers too: it carries STORYFLOW_TEST_HOOKS (see the worker files).
      env: process.env,
    });
    // Without a listener, a worker dying while idle would crash the whole process.
    pool.on('error', (error: unknown) =>
      this.logger.error(`TTS worker failed: ${describeError(error)}`),
    );
    let warm: unknown[];
    try {
      // One warmup per worker, held at a barrier in the workers so each takes exactly one:
      // every engine is initialised before the first real request.
      const barrier = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      warm = await Promise.all(
        Array.from({ length: this.workers }, () =>
          pool.run({ warmup: true, barrier, parties: this.workers }),
        ),
      );
    } catch (error) {
      await shutDown(pool, 'now');
      throw this.startError(error);
    }
    if (this.closed) {
      await shutDown(pool, 'now');
      throw new EngineUnavailableError('The speech engine was closed while starting');
    }
    this.pool = pool;
    this.logger.log(this.readyMessage(warm, Date.now() - started));
  }
}

/** Graceful waits for queued and running tasks; 'now' terminates the workers. */
async function shutDown(pool: Piscina, mode: 'graceful' | 'now'): Promise<void> {
  await (mode === 'graceful' ? pool.close() : pool.destroy());
  // piscina never ends its own async resource: `jest --detectOpenHandles` would report it.
  pool.emitDestroy();
}

export { describeError };
