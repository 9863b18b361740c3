import { randomUUID } from 'node:crypto';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue, QueueEvents } from 'bullmq';
import { RedisConnections } from '../../common/redis/redis-connections';
import { SynthesisAbortedError, SynthesisFailedError } from '../engine/tts-engine.errors';
import type { SynthesisRequest, SynthesisResult } from '../engine/tts.engine';
import { SpeechSynthesizer, SpeechUnavailableError } from './speech.synthesizer';

/** The BullMQ queue of speech pieces (keys `<REDIS_PREFIX>:bull:speech:*`), apart from generation's. */
export const SPEECH_QUEUE_NAME = 'speech';

/** How long a worker keeps a piece's samples in Redis for the API node to take (it takes them at once). */
export const SPEECH_RESULT_TTL_MS = 60_000;

/** What a speech job carries: one piece of text, and the engine the API node resolved its voice for. */
export interface SpeechJobData {
  requestId: string;
  /** The engine kind the API node lists voices for (`espeak`, `kokoro`, `piper`). */
  engine: string;
  text: string;
  /** The engine's voice name (or a Kokoro blend), resolved on the API node. */
  voice: string;
  speed: number;
}

/** What a speech job returns (small: the samples go through `speechResultKey`). */
export interface SpeechJobResult {
  sampleRate: number;
  samples: number;
  /** The request was cancelled before or while the piece was spoken: no samples. */
  cancelled?: boolean;
}

/** Where a worker leaves a piece's samples (16-bit little-endian), read and deleted at once. */
export function speechResultKey(redis: RedisConnections, jobId: string): string {
  return redis.key('speech-result', jobId);
}

/** The pub/sub channel on which API nodes cancel a request's running pieces. */
export function speechCancelChannel(redis: RedisConnections): string {
  return redis.key('speech-cancels');
}

export interface BullmqSpeechOptions {
  /** Pieces of one request queued or synthesizing ahead of the one being read. */
  ahead?: number;
  /** How long a piece may wait for a worker to take it before the request answers 503. */
  startTimeoutMs?: number;
  /** The longest a piece may take, queued and spoken, before the request fails (never a hang). */
  pieceTimeoutMs?: number;
  /** How often the waiting pieces are checked: workers alive, Redis reachable, timeouts. */
  checkIntervalMs?: number;
}

interface PieceWaiter {
  jobId: string;
  resolve(result: SynthesisResult): void;
  reject(error: unknown): void;
  promise: Promise<SynthesisResult>;
  addedAt: number;
  /** A worker took it (its `active` event was seen). */
  active: boolean;
  /** Nobody reads it any more (cancelled, or failed already): its result is only cleaned up. */
  abandoned: boolean;
}

/**
 * Speech on request from an API node (`ROLE=api` with `REDIS_URL`), which runs no engine:
 * each piece of text is a job of the BullMQ queue `speech`, which the worker nodes'
 * `BullmqSpeechProcessor` serves apart from the generation queue (so a preview never waits
 * for a batch's jobs, only for the segment or two each engine thread has in hand). A worker
 * leaves the samples under a key of their own (`speechResultKey`, expiring after
 * SPEECH_RESULT_TTL_MS) and completes the job; this node hears it on BullMQ's event stream
 * (`QueueEvents`), takes the samples and deletes the key.
 *
 * - **Streaming**: only `ahead` pieces of a request are in the queue or in hand at once; the
 *   next is queued when one is read, so a long text is never held whole, here or in Redis.
 * - **Cancel**: aborting removes the request's queued jobs and publishes its id on
 *   `speech-cancels`: a worker aborts its running piece and skips any it takes afterwards.
 * - **Faults**: no worker running or Redis away → `SpeechUnavailableError` at once, or within
 *   two checks while waiting; a piece no worker takes within `startTimeoutMs`, or not done
 *   within `pieceTimeoutMs` → `SpeechUnavailableError`. A worker killed mid-piece: BullMQ's
 *   stalled check gives the job to another worker (once; a second stall fails it).
 * - **Retention**: jobs are removed when they complete; failed ones kept an hour, 100 at
 *   most; the event stream is capped at 1,000 events.
 */
export class BullmqSpeechSynthesizer extends SpeechSynthesizer implements OnModuleDestroy {
  private readonly logger = new Logger(BullmqSpeechSynthesizer.name);
  private readonly queue: Queue<SpeechJobData, SpeechJobResult>;
  private readonly events: QueueEvents;
  private readonly waiters = new Map<string, PieceWaiter>();
  private readonly ahead: number;
  private readonly startTimeoutMs: number;
  private readonly pieceTimeoutMs: number;
  private readonly timer: NodeJS.Timeout;
  /** Consecutive checks that found no worker, or no Redis. */
  private misses = 0;
  private checking = false;
  /** When a worker was last seen (the per-request check is skipped for a second after). */
  private workerSeenAt = 0;
  private closing = false;

  constructor(
    private readonly redis: RedisConnections,
    /** The engine kind this node lists voices for; a worker running another refuses the job. */
    private readonly engineKind: string,
    options: BullmqSpeechOptions = {},
  ) {
    super();
    this.ahead = options.ahead ?? 3;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.pieceTimeoutMs = options.pieceTimeoutMs ?? 300_000;
    const prefix = redis.key('bull');
    this.queue = new Queue<SpeechJobData, SpeechJobResult>(SPEECH_QUEUE_NAME, {
      connection: { ...redis.bullConnection(), enableOfflineQueue: false },
      prefix,
      streams: { events: { maxLen: 1000 } },
    });
    this.queue.on('error', (error) => this.logger.warn(`Speech queue: ${error.message}`));
    // From the start of the (capped) stream, so that no event of a job added here can be
    // missed before the first read; the older events name jobs nobody waits for.
    this.events = new QueueEvents(SPEECH_QUEUE_NAME, {
      connection: redis.bullConnection(),
      prefix,
      lastEventId: '0',
    });
    this.events.on('error', (error) => this.logger.warn(`Speech events: ${error.message}`));
    this.events.on('active', ({ jobId }) => {
      const waiter = this.waiters.get(jobId);
      if (waiter) waiter.active = true;
    });
    this.events.on('completed', ({ jobId, returnvalue }) => {
      void this.completed(jobId, returnvalue as unknown as SpeechJobResult);
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      const waiter = this.waiters.get(jobId);
      if (!waiter) return;
      this.waiters.delete(jobId);
      waiter.reject(new SynthesisFailedError(failedReason || 'the speech worker failed'));
    });
    this.timer = setInterval(() => void this.check(), options.checkIntervalMs ?? 1000);
    this.timer.unref();
  }

  async *speak(
    pieces: readonly SynthesisRequest[],
    signal: AbortSignal,
  ): AsyncGenerator<SynthesisResult, void, undefined> {
    await this.ensureWorkers();
    if (signal.aborted) throw new SynthesisAbortedError();
    const requestId = `speech_${randomUUID()}`;
    const waiters: PieceWaiter[] = [];
    let stopped = false;
    const stop = () => {
      signal.removeEventListener('abort', stop);
      if (stopped) return;
      stopped = true;
      this.abandon(requestId, waiters);
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      for (let i = 0; i < pieces.length; i++) {
        for (let j = waiters.length; j < Math.min(pieces.length, i + this.ahead); j++) {
          waiters.push(this.submit(requestId, j, pieces[j]));
        }
        yield await waiters[i].promise;
      }
    } finally {
      stop();
    }
  }

  /** Pieces this node waits for (queued or being spoken), for tests and metrics. */
  get pending(): number {
    let count = 0;
    for (const waiter of this.waiters.values()) if (!waiter.abandoned) count += 1;
    return count;
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    for (const waiter of this.waiters.values()) {
      if (!waiter.abandoned) waiter.reject(new SpeechUnavailableError('The server is stopping'));
    }
    this.waiters.clear();
    await this.events.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }

  /** Throws SpeechUnavailableError unless Redis answers and a worker serves the queue. */
  private async ensureWorkers(): Promise<void> {
    if (this.closing) throw new SpeechUnavailableError('The server is stopping');
    const { ready, reason } = this.redis.state();
    if (!ready) throw new SpeechUnavailableError(`Redis is not reachable (${reason})`, 5);
    if (Date.now() - this.workerSeenAt < 1000) return;
    let workers: number;
    try {
      workers = await this.queue.getWorkersCount();
    } catch (error) {
      throw new SpeechUnavailableError(`Redis is not reachable (${(error as Error).message})`, 5);
    }
    if (workers === 0) throw new SpeechUnavailableError('No speech worker is running');
    this.workerSeenAt = Date.now();
  }

  private submit(requestId: string, index: number, piece: SynthesisRequest): PieceWaiter {
    const jobId = `${requestId}--${index}`;
    let resolve!: (result: SynthesisResult) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<SynthesisResult>((res, rej) => ((resolve = res), (reject = rej)));
    // A piece nobody reaches (the caller stopped) must not become an unhandled rejection.
    promise.catch(() => undefined);
    const waiter: PieceWaiter = {
      jobId,
      resolve,
      reject,
      promise,
      addedAt: Date.now(),
      active: false,
      abandoned: false,
    };
    // Registered before the job exists: its events may come before `add` resolves.
    this.waiters.set(jobId, waiter);
    this.queue
      .add(
        'piece',
        {
          requestId,
          engine: this.engineKind,
          text: piece.text,
          voice: piece.voice,
          speed: piece.speed,
        },
        {
          jobId,
          attempts: 2,
          removeOnComplete: true,
          removeOnFail: { age: 3600, count: 100 },
        },
      )
      .catch((error: Error) => {
        if (this.waiters.get(jobId) !== waiter) return;
        this.waiters.delete(jobId);
        waiter.reject(new SpeechUnavailableError(`Redis is not reachable (${error.message})`, 5));
      });
    return waiter;
  }

  private async completed(jobId: string, result: SpeechJobResult | null): Promise<void> {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    this.waiters.delete(jobId);
    if (!result || result.cancelled) {
      waiter.reject(new SynthesisAbortedError());
      return;
    }
    // Taken and deleted in one round trip, even when nobody reads it any more.
    const key = speechResultKey(this.redis, jobId);
    let bytes: Buffer | null = null;
    try {
      const replies = await this.redis.command.multi().getBuffer(key).del(key).exec();
      bytes = (replies?.[0]?.[1] as Buffer | null) ?? null;
    } catch (error) {
      waiter.reject(new SpeechUnavailableError(`Redis is not reachable (${String(error)})`, 5));
      return;
    }
    if (!bytes || bytes.length !== result.samples * 2) {
      waiter.reject(new SynthesisFailedError('The speech worker left no samples'));
      return;
    }
    // A copy: the reply's bytes may not be aligned for 16-bit access.
    const samples = new Int16Array(result.samples);
    Buffer.from(samples.buffer).set(bytes);
    waiter.resolve({ samples, sampleRate: result.sampleRate });
  }

  /** The request's open pieces: queued ones removed, running ones told to stop. */
  private abandon(requestId: string, waiters: PieceWaiter[]): void {
    const open = waiters.filter((w) => !w.abandoned && this.waiters.get(w.jobId) === w);
    if (open.length === 0) return;
    this.redis.command.publish(speechCancelChannel(this.redis), requestId).catch(() => undefined);
    for (const waiter of open) this.drop(waiter, new SynthesisAbortedError());
  }

  /**
   * Nobody will read this piece: its promise rejects, its job is removed if no worker holds
   * it; a running one stays known until it ends, so that its samples are deleted then.
   */
  private drop(waiter: PieceWaiter, error: Error): void {
    waiter.abandoned = true;
    waiter.reject(error);
    this.queue.remove(waiter.jobId).then(
      (removed) => {
        if (removed === 1 && this.waiters.get(waiter.jobId) === waiter) {
          this.waiters.delete(waiter.jobId);
        }
      },
      () => undefined,
    );
  }

  /** Every second while pieces wait: workers alive and Redis reachable, and the time limits. */
  private async check(): Promise<void> {
    if (this.waiters.size === 0 || this.checking) return;
    this.checking = true;
    try {
      let reason: string | null = null;
      try {
        this.redis.ensureReady();
        if ((await this.queue.getWorkersCount()) === 0) reason = 'No speech worker is running';
      } catch (error) {
        reason = `Redis is not reachable (${(error as Error).message})`;
      }
      this.misses = reason ? this.misses + 1 : 0;
      if (reason) this.workerSeenAt = 0;
      const now = Date.now();
      for (const waiter of [...this.waiters.values()]) {
        const age = now - waiter.addedAt;
        if (waiter.abandoned) {
          // Its worker never ended it (killed, and no other worker's stalled check yet).
          if (age > this.pieceTimeoutMs) this.waiters.delete(waiter.jobId);
        } else if (reason && this.misses >= 2) {
          this.drop(waiter, new SpeechUnavailableError(reason, 5));
        } else if (!waiter.active && age > this.startTimeoutMs) {
          this.drop(
            waiter,
            new SpeechUnavailableError(
              `No speech worker took the request within ${this.startTimeoutMs / 1000} s`,
              5,
            ),
          );
        } else if (age > this.pieceTimeoutMs) {
          this.drop(
            waiter,
            new SpeechUnavailableError(
              `The speech workers did not answer within ${this.pieceTimeoutMs / 1000} s`,
              5,
            ),
          );
        }
      }
    } finally {
      this.checking = false;
    }
  }
}
