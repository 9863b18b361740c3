import { describeError } from '../../common/errors/describe-error';
import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TaskManagerService } from '../../tasks/task-manager.service';
import { ShuttingDownError, SpeechEngineUnavailableError } from '../audio.errors';
import { TtsEngine } from '../engine/tts.engine';
import { FairScheduler } from '../fair-scheduler';
import {
  GenerationQueue,
  GenerationRun,
  GenerationStats,
  INTERRUPTED_BY_SHUTDOWN,
} from './generation.queue';
import { SegmentPipeline } from './segment-pipeline';

export interface GenerationOptions {
  /** How long in-flight segments may take to finish when the server stops. */
  shutdownGraceSeconds: number;
}

export const GENERATION_OPTIONS = Symbol('GENERATION_OPTIONS');

/**
 * The generation queue of one process: the fair scheduler in front of the engine's worker
 * pool (segments of concurrent tasks take turns), each segment run by the SegmentPipeline.
 * It starts the engine at boot without holding up the server (requests wait for it), and
 * on shutdown refuses new work, drops queued segments, gives in-flight ones the grace
 * period (then aborts them), and fails the interrupted tasks.
 *
 * Built by AudioModule's provider factory, which picks the adapter from the configuration:
 * no decorator-driven injection here.
 */
export class InProcessGenerationQueue
  extends GenerationQueue
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(InProcessGenerationQueue.name);
  private engineReady: Promise<boolean> = Promise.resolve(false);
  /** Runs under way, to wait for at shutdown. */
  private readonly runs = new Set<Promise<void>>();
  /** Fires when the shutdown grace period is over: in-flight syntheses stop. */
  private readonly shutdown = new AbortController();
  private stopping = false;
  private readonly graceMs: number;

  constructor(
    private readonly engine: TtsEngine,
    private readonly scheduler: FairScheduler,
    private readonly pipeline: SegmentPipeline,
    private readonly tasks: TaskManagerService,
    options: GenerationOptions,
  ) {
    super();
    this.graceMs = options.shutdownGraceSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    this.engineReady = this.engine.start().then(
      () => true,
      (error: unknown) => {
        this.logger.error(`Speech engine unavailable: ${String(error)}`);
        return false;
      },
    );
  }

  /**
   * Graceful stop, before the task records are flushed and the database closes: no new
   * task is accepted, queued segments never start, in-flight ones get the grace period
   * to finish (then they are aborted), and unfinished tasks end FAILED as interrupted.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.logger.log(
      `Stopping: new tasks refused, ${this.scheduler.busy} segment(s) in progress get ` +
        `${this.graceMs / 1000} s to finish`,
    );
    this.scheduler.dropAll();
    const allRuns = Promise.allSettled([...this.runs]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.graceMs);
    });
    if ((await Promise.race([allRuns, graceOver])) === 'timeout') {
      this.logger.warn('Shutdown grace period over: aborting segments in progress');
      this.shutdown.abort();
      await allRuns;
    }
    clearTimeout(timer);
  }

  async ensureAccepting(): Promise<void> {
    if (this.stopping) throw new ShuttingDownError();
    if (!(await this.engineReady) || !this.engine.isAvailable()) {
      throw new SpeechEngineUnavailableError();
    }
  }

  /**
   * Starts a task's segments through the scheduler (resolves once they are queued) and
   * finishes the task when all have settled.
   */
  async enqueue({ taskId, segments, voice }: GenerationRun): Promise<void> {
    const cancel = await this.tasks.cancelSignal(taskId);
    const signal = AbortSignal.any([cancel.signal, this.shutdown.signal]);
    let settled = 0;
    const onCancel = () => this.scheduler.drop(taskId);
    signal.addEventListener('abort', onCancel, { once: true });

    const jobs = segments.map((segment) => async (releaseSlot: () => void) => {
      if (signal.aborted) return;
      try {
        await this.pipeline.run(taskId, segment, voice, signal, releaseSlot);
      } finally {
        settled += 1;
      }
    });

    const run = this.scheduler
      .submit(taskId, jobs)
      .then(async () => {
        // Segments left unstarted (or aborted) by a shutdown: the run did not finish.
        if (this.stopping && (settled < segments.length || this.shutdown.signal.aborted)) {
          await this.tasks.fail(taskId, INTERRUPTED_BY_SHUTDOWN);
        } else {
          await this.tasks.finish(taskId);
        }
      })
      .catch(async (error: unknown) => {
        this.logger.error(`Task ${taskId} crashed: ${describeError(error)}`);
        await this.tasks.fail(taskId, 'Internal error');
      })
      .finally(() => {
        signal.removeEventListener('abort', onCancel);
        cancel.release();
        this.runs.delete(run);
      });
    this.runs.add(run);
  }

  stats(): GenerationStats {
    return {
      queued: this.scheduler.queued,
      running: this.scheduler.busy,
      finishing: this.scheduler.finishing,
      busy: this.engine.stats().busy,
      workers: this.engine.workers,
    };
  }
}
