import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { RedisConnections } from '../../common/redis/redis-connections';
import { SynthesisFailedError } from '../engine/tts-engine.errors';
import { TtsEngine } from '../engine/tts.engine';
import {
  SPEECH_QUEUE_NAME,
  SPEECH_RESULT_TTL_MS,
  SpeechJobData,
  SpeechJobResult,
  speechCancelChannel,
  speechResultKey,
} from './bullmq-speech.synthesizer';

export interface BullmqSpeechProcessorOptions {
  /** How long running pieces may take to finish when the process stops. */
  shutdownGraceSeconds: number;
  /** BullMQ's lock of a running piece; a worker that stops renewing it (killed) loses the job. */
  lockDurationMs?: number;
}

/** How long a cancelled request id is remembered (its pieces may still be taken meanwhile). */
const CANCEL_MEMORY_MS = 60_000;

/**
 * The worker side of `BullmqSpeechSynthesizer`, on every node that runs an engine
 * (`ROLE=worker|all` with `REDIS_URL`): a BullMQ worker of the `speech` queue, apart from the
 * generation worker, so a piece is taken at once however many segments wait; it goes to the
 * engine beside the segments in hand. The samples are left under `speechResultKey` (with a
 * TTL) for the API node; the job's return value only says how many.
 *
 * A request cancelled on its API node (`speech-cancels`) has its running piece aborted and
 * any piece taken afterwards skipped. A piece the engine fails is failed for good (no retry:
 * the same text fails again); a piece interrupted by this process stopping goes back to the
 * queue for another worker.
 */
export class BullmqSpeechProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BullmqSpeechProcessor.name);
  private worker?: Worker<SpeechJobData, SpeechJobResult>;
  private workerReady?: Promise<void>;
  private readonly running = new Map<string, Set<AbortController>>();
  private readonly cancelled = new Map<string, number>();
  private readonly shutdown = new AbortController();
  private readonly channel: string;
  private stopping = false;

  constructor(
    private readonly redis: RedisConnections,
    private readonly engine: TtsEngine,
    /** The engine kind this node runs (`espeak`, `kokoro`, `piper`). */
    private readonly engineKind: string,
    private readonly options: BullmqSpeechProcessorOptions,
  ) {
    setMaxListeners(0, this.shutdown.signal);
    this.channel = speechCancelChannel(redis);
  }

  onApplicationBootstrap(): void {
    this.redis.subscriber.on('message', (channel: string, requestId: string) => {
      if (channel === this.channel) this.cancel(requestId);
    });
    this.redis.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn(`Could not subscribe to speech cancels yet: ${String(error)}`);
    });
    // Pieces are taken once the engine is up (the generation queue started it too).
    this.engine.start().then(
      () => {
        if (!this.stopping) this.startWorker();
      },
      (error: unknown) => this.logger.error(`Speech engine unavailable: ${String(error)}`),
    );
  }

  /** Resolves once the worker is connected (API nodes see it) and taking pieces. */
  async ready(): Promise<void> {
    while (!this.workerReady) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.workerReady;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (!this.worker) return;
    const closed = this.worker.close();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownGraceSeconds * 1000);
    });
    if ((await Promise.race([closed, graceOver])) === 'timeout') {
      this.shutdown.abort();
      await closed.catch(() => undefined);
    }
    clearTimeout(timer);
  }

  private startWorker(): void {
    const lockDuration = this.options.lockDurationMs ?? 10_000;
    this.worker = new Worker<SpeechJobData, SpeechJobResult>(
      SPEECH_QUEUE_NAME,
      (job) => this.process(job),
      {
        connection: this.redis.bullConnection(),
        prefix: this.redis.key('bull'),
        // One piece per engine thread: the pieces wait in Redis, not in the engine's queue.
        concurrency: this.engine.workers,
        lockDuration,
        stalledInterval: lockDuration,
        maxStalledCount: 1,
      },
    );
    this.worker.on('error', (error) => this.logger.warn(`Speech worker: ${error.message}`));
    // Its blocking connection, named for BullMQ's worker list, is up.
    const worker = this.worker;
    this.workerReady = new Promise((resolve) => worker.once('ready', () => resolve()));
  }

  private async process(job: Job<SpeechJobData, SpeechJobResult>): Promise<SpeechJobResult> {
    const { requestId, engine, text, voice, speed } = job.data;
    if (this.cancelled.has(requestId)) return { sampleRate: 0, samples: 0, cancelled: true };
    if (engine !== this.engineKind) {
      throw new UnrecoverableError(
        `This worker runs the ${this.engineKind} engine, the API node lists the ${engine} ` +
          "engine's voices: give every node the same TTS_ENGINE and model files",
      );
    }
    const controller = new AbortController();
    let controllers = this.running.get(requestId);
    if (!controllers) this.running.set(requestId, (controllers = new Set()));
    controllers.add(controller);
    try {
      const result = await this.engine.synthesize(
        { text, voice, speed },
        { signal: AbortSignal.any([controller.signal, this.shutdown.signal]) },
      );
      const { samples } = result;
      await this.redis.command.set(
        speechResultKey(this.redis, job.id!),
        Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
        'PX',
        SPEECH_RESULT_TTL_MS,
      );
      return { sampleRate: result.sampleRate, samples: samples.length };
    } catch (error) {
      if (controller.signal.aborted) return { sampleRate: 0, samples: 0, cancelled: true };
      if (this.shutdown.signal.aborted) {
        throw new Error('Interrupted by shutdown: the piece goes back to the queue');
      }
      // The same text would fail again: no retry.
      if (error instanceof SynthesisFailedError) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      controllers.delete(controller);
      if (controllers.size === 0) this.running.delete(requestId);
    }
  }

  private cancel(requestId: string): void {
    const now = Date.now();
    for (const [id, at] of this.cancelled) {
      if (now - at < CANCEL_MEMORY_MS) break; // oldest first
      this.cancelled.delete(id);
    }
    this.cancelled.set(requestId, now);
    for (const controller of this.running.get(requestId) ?? []) controller.abort();
  }
}
