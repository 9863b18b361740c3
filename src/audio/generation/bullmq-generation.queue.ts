import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { type Job, Queue, Worker } from 'bullmq';
import { RedisConnections } from '../../common/redis/redis-connections';
import { TaskManagerService } from '../../tasks/task-manager.service';
import { TaskNotFoundError } from '../../tasks/task-not-found.error';
import type { TaskSnapshot } from '../../tasks/task.types';
import { ShuttingDownError, SpeechEngineUnavailableError } from '../audio.errors';
import { TtsEngine } from '../engine/tts.engine';
import { AudioStorage } from '../storage/audio.storage';
import {
  GenerationQueue,
  GenerationRun,
  GenerationStats,
  SegmentJob,
  VoiceChoice,
} from './generation.queue';
import { SegmentPipeline } from './segment-pipeline';

export interface BullmqGenerationOptions {
  /** Whether this process runs segment jobs (ROLE=worker|all) or only enqueues (ROLE=api). */
  runsJobs: boolean;
  /** How long in-flight segments may take to finish when the process stops. */
  shutdownGraceSeconds: number;
  /** BullMQ's lock of a running job; a worker that stops renewing it (killed) loses the job. */
  lockDurationMs?: number;
}

export const BULLMQ_GENERATION_OPTIONS = Symbol('BULLMQ_GENERATION_OPTIONS');

/** The BullMQ queue's name (its keys are `<REDIS_PREFIX>:bull:generation:*`). */
export const GENERATION_QUEUE_NAME = 'generation';

/** BullMQ's highest priority number (lowest priority). */
const MAX_PRIORITY = 2_097_151;

/** What a segment job carries across processes: plain JSON. */
export interface SegmentJobData {
  taskId: string;
  segment: SegmentJob;
  voice: VoiceChoice;
}

/** Raise the fairness round to the priority of a job being started. KEYS: round. ARGV: priority. */
const ADVANCE_ROUND = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`;

/**
 * The generation queue shared by every node, on BullMQ: one job per segment, run by the
 * worker processes (ROLE=worker|all) through the same SegmentPipeline as in process.
 *
 * - **Fairness**: a job's BullMQ priority is the queue's current round plus its position in
 *   its task (the round is the priority of the last job a worker started). Tasks take turns
 *   segment by segment: a one-segment task enqueued while a 500-segment batch runs gets the
 *   round's next priority, so it runs after the jobs already started, never after the batch.
 * - **Cancel**: a cancelled task's running segments are aborted (the event bus carries the
 *   signal to every worker); its queued jobs find the task finished and return at once.
 * - **Faults**: a worker killed mid-segment stops renewing its job's lock; BullMQ's stalled
 *   check hands the job to another worker, which first removes the temporary files the dead
 *   one left, and skips the segment if it had in fact settled. A job that fails for good
 *   (attempts or stalls exhausted) settles its segment with an error, so the task still ends.
 * - **Finish**: the worker that settles a task's last segment finishes the task.
 *
 * Built by AudioModule's provider factory, which picks the adapter from the configuration:
 * no decorator-driven injection here.
 */
export class BullmqGenerationQueue
  extends GenerationQueue
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(BullmqGenerationQueue.name);
  private readonly queue: Queue<SegmentJobData>;
  private worker?: Worker<SegmentJobData>;
  private engineReady: Promise<boolean> = Promise.resolve(false);
  private readonly shutdown = new AbortController();
  private stopping = false;
  private queued = 0;
  private running = 0;
  private countsTimer?: NodeJS.Timeout;
  private readonly roundKey: string;

  constructor(
    private readonly redis: RedisConnections,
    private readonly engine: TtsEngine,
    private readonly pipeline: SegmentPipeline,
    private readonly tasks: TaskManagerService,
    private readonly storage: AudioStorage,
    private readonly options: BullmqGenerationOptions,
  ) {
    super();
    // Every running job listens to the shutdown signal.
    setMaxListeners(0, this.shutdown.signal);
    this.roundKey = redis.key('generation-round');
    this.queue = new Queue<SegmentJobData>(GENERATION_QUEUE_NAME, {
      connection: { ...redis.bullConnection(), enableOfflineQueue: false },
      prefix: redis.key('bull'),
    });
    this.queue.on('error', (error) => this.logger.warn(`Queue: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.countsTimer = setInterval(() => void this.refreshCounts(), 2000).unref();
    if (!this.options.runsJobs) return;
    this.engineReady = this.engine.start().then(
      () => {
        if (!this.stopping) this.startWorker();
        return true;
      },
      (error: unknown) => {
        this.logger.error(`Speech engine unavailable: ${String(error)}`);
        return false;
      },
    );
  }

  /**
   * Stop: no new work, the running segments get the grace period (then they are aborted and
   * their jobs go back to the queue for another worker). Queued jobs stay in Redis.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.countsTimer);
    if (this.worker) {
      const closed = this.worker.close();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.options.shutdownGraceSeconds * 1000);
      });
      if ((await Promise.race([closed, graceOver])) === 'timeout') {
        this.logger.warn('Shutdown grace period over: aborting segments in progress');
        this.shutdown.abort();
        await closed.catch(() => undefined);
      }
      clearTimeout(timer);
    }
    await this.queue.close().catch(() => undefined);
  }

  async ensureAccepting(): Promise<void> {
    if (this.stopping) throw new ShuttingDownError();
    this.redis.ensureReady();
    if (this.options.runsJobs && (!(await this.engineReady) || !this.engine.isAvailable())) {
      throw new SpeechEngineUnavailableError();
    }
  }

  async enqueue({ taskId, segments, voice }: GenerationRun): Promise<void> {
    const round = Number((await this.redis.command.get(this.roundKey)) ?? 0);
    await this.queue.addBulk(
      segments.map((segment, index) => ({
        name: 'segment',
        data: { taskId, segment, voice },
        opts: {
          jobId: `${taskId}--${segment.segmentId}`,
          priority: Math.min(MAX_PRIORITY, round + index + 1),
          attempts: 3,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: { age: 86_400 },
        },
      })),
    );
  }

  stats(): GenerationStats {
    const engine = this.options.runsJobs ? this.engine.stats() : { busy: 0 };
    return {
      queued: this.queued,
      running: this.running,
      finishing: 0,
      busy: engine.busy,
      workers: this.options.runsJobs ? this.engine.workers : 0,
    };
  }

  private startWorker(): void {
    const lockDuration = this.options.lockDurationMs ?? 15_000;
    this.worker = new Worker<SegmentJobData>(GENERATION_QUEUE_NAME, (job) => this.process(job), {
      connection: this.redis.bullConnection(),
      prefix: this.redis.key('bull'),
      // One job per engine worker, plus one whose audio is being written meanwhile.
      concurrency: this.engine.workers + 1,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 3,
    });
    this.worker.on('error', (error) => this.logger.warn(`Worker: ${error.message}`));
    this.worker.on('failed', (job, error) => {
      if (!job) return;
      // Failed for good: attempts used up, or stalled beyond maxStalledCount (BullMQ's reason).
      const stalledOut = /stalled more than allowable limit/.test(error.message);
      if (!stalledOut && job.attemptsMade < (job.opts.attempts ?? 1)) return;
      void this.giveUp(job, error).catch((failure: unknown) => {
        this.logger.error(`Could not settle failed job ${job.id}: ${String(failure)}`);
      });
    });
  }

  private async process(job: Job<SegmentJobData>): Promise<void> {
    const { taskId, segment, voice } = job.data;
    this.running += 1;
    try {
      await this.redis.command
        .eval(ADVANCE_ROUND, 1, this.roundKey, String(job.opts.priority ?? 0))
        .catch(() => undefined);
      let cancel: { signal: AbortSignal; release: () => void };
      try {
        cancel = await this.tasks.cancelSignal(taskId);
      } catch (error) {
        if (error instanceof TaskNotFoundError) return; // forgotten (retention): nothing to do
        throw error;
      }
      try {
        const snapshot = await this.tasks.getSnapshot(taskId);
        if (this.tasks.isTerminal(snapshot.status)) return; // cancelled: the job is dropped
        if (!settled(snapshot, segment.segmentId)) {
          // A re-run (the previous worker died): what it was writing goes first.
          if (job.attemptsStarted > 1 || (job.stalledCounter ?? 0) > 0) {
            await this.storage.removeTemporaryFiles(segment);
          }
          const signal = AbortSignal.any([cancel.signal, this.shutdown.signal]);
          await this.pipeline.run(taskId, segment, voice, signal);
          if (this.shutdown.signal.aborted && !cancel.signal.aborted) {
            throw new Error('Interrupted by shutdown: the segment goes back to the queue');
          }
        }
      } finally {
        cancel.release();
      }
      await this.finishIfDone(taskId);
    } finally {
      this.running -= 1;
      void this.refreshCounts();
    }
  }

  /** A job that failed for good: its segment settles with an error, so the task can end. */
  private async giveUp(job: Job<SegmentJobData>, error: Error): Promise<void> {
    const { taskId, segment } = job.data;
    this.logger.error(`Segment ${segment.segmentId} of ${taskId} given up: ${error.message}`);
    const snapshot = await this.tasks.getSnapshot(taskId);
    if (this.tasks.isTerminal(snapshot.status) || settled(snapshot, segment.segmentId)) return;
    await this.tasks.settleSegment(taskId, {
      segmentId: segment.segmentId,
      error: 'Unexpected error',
    });
    await this.finishIfDone(taskId);
  }

  /** Every segment settled: the task ends (by the contract's rule). Idempotent. */
  private async finishIfDone(taskId: string): Promise<void> {
    const snapshot = await this.tasks.getSnapshot(taskId);
    if (this.tasks.isTerminal(snapshot.status)) return;
    if (snapshot.progress.current >= snapshot.progress.total) await this.tasks.finish(taskId);
  }

  private async refreshCounts(): Promise<void> {
    try {
      const counts = await this.queue.getJobCounts('wait', 'prioritized', 'delayed', 'paused');
      this.queued = Object.values(counts).reduce((sum, n) => sum + n, 0);
    } catch {
      // Redis away: the last count stands (health says why).
    }
  }
}

function settled(snapshot: TaskSnapshot, segmentId: string): boolean {
  return (
    snapshot.completed_segments.some((entry) => entry.segment_id === segmentId) ||
    snapshot.errors.some((entry) => entry.segment_id === segmentId)
  );
}
