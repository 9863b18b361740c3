import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { MediaLayout } from '../media/media-layout';
import type { Segment } from '../projects/segments/segment.types';
import { SegmentsService } from '../projects/segments/segments.service';
import { SynthesisMetrics } from './synthesis.metrics';
import { SettingsService } from '../settings/settings.service';
import { TaskManagerService } from '../tasks/task-manager.service';
import { TaskClaimConflictError } from '../tasks/task.errors';
import { batchClaim, segmentClaim } from '../tasks/task-transitions';
import {
  EmptySegmentTextError,
  GenerationInProgressError,
  SegmentLockedForGenerationError,
  ShuttingDownError,
  SpeechEngineUnavailableError,
} from './audio.errors';
import { AudioFileStore } from './audio-file.store';
import { SynthesisAbortedError, SynthesisFailedError } from './engine/tts-engine.errors';
import { TtsEngine } from './engine/tts-engine.port';
import { EngineVoices } from './engine/engine-voices';
import { durationOf, encodeWav } from './engine/wav';
import { engineScheduler, FairScheduler } from './fair-scheduler';

/** How a generation was accepted (the 202 body is built from this). */
export interface SegmentGenerationAccepted {
  taskId: string;
  segmentId: string;
}

export interface ProjectGenerationPlan {
  /** null when there was nothing left to do (no task was created). */
  taskId: string | null;
  projectId: string;
  totalSegments: number;
  segmentsToProcess: number;
  skippedLocked: number;
  skippedExisting: number;
  skippedEmpty: number;
}

export interface ProjectGenerationOptions {
  skipLocked: boolean;
  forceRegenerate: boolean;
}

export interface GenerationOptions {
  /** How long in-flight segments may take to finish when the server stops. */
  shutdownGraceSeconds: number;
}

export const GENERATION_OPTIONS = Symbol('GENERATION_OPTIONS');

export const INTERRUPTED_BY_SHUTDOWN = 'Interrupted by server shutdown';

/** Voice and speed, fixed when a task is accepted. */
interface Voice {
  engineVoice: string;
  speed: number;
}

/**
 * The use cases of audio generation. It checks a request, creates its task, and hands
 * the segments to a fair scheduler that feeds the engine's workers; each finished segment
 * is written as a WAV, recorded on the segment and reported to the TaskManagerService.
 * A failure is recorded against its segment and never stops the others.
 */
@Injectable()
export class SpeechGenerationService
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(SpeechGenerationService.name);
  private readonly scheduler: FairScheduler;
  private engineReady: Promise<boolean> = Promise.resolve(false);
  /** Runs under way, to wait for at shutdown. */
  private readonly runs = new Set<Promise<void>>();
  /** Fires when the shutdown grace period is over: in-flight syntheses stop. */
  private readonly shutdown = new AbortController();
  private stopping = false;
  private readonly graceMs: number;
  private readonly voices: EngineVoices;

  constructor(
    private readonly engine: TtsEngine,
    private readonly tasks: TaskManagerService,
    private readonly segments: SegmentsService,
    private readonly settings: SettingsService,
    private readonly files: AudioFileStore,
    private readonly media: MediaLayout,
    private readonly metrics: SynthesisMetrics,
    @Optional() @Inject(GENERATION_OPTIONS) options?: GenerationOptions,
    // The engine's one scheduler, shared with the voice preview (AudioModule provides it).
    @Optional() scheduler?: FairScheduler,
    // The running engine's voices (EngineSelectionModule); eSpeak's catalogue without it.
    @Optional() voices?: EngineVoices,
  ) {
    this.voices = voices ?? EngineVoices.forChoice({ kind: 'espeak' });
    this.scheduler = scheduler ?? engineScheduler(engine);
    this.graceMs = (options?.shutdownGraceSeconds ?? 10) * 1000;
  }

  /**
   * Restore of the tasks a crash interrupted, with the facts: a segment whose audio was being
   * recorded counts as finished when its audio really is on the segment.
   */
  async onModuleInit(): Promise<void> {
    await this.tasks.restore(async (segmentIds) => {
      const recorded = new Set<string>();
      for (const id of segmentIds) {
        const segment = await this.segments.findOne(id).catch(() => null);
        if (segment?.audioFile) recorded.add(id);
      }
      return recorded;
    });
  }

  /** Starts the engine without holding up the start of the server; requests wait for it. */
  onApplicationBootstrap(): void {
    void this.files.removeTemporaryFiles().catch((error: unknown) => {
      this.logger.warn(`Could not sweep temporary WAV files: ${String(error)}`);
    });
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

  /** Generates one segment's audio in the background. */
  async generateSegment(segmentId: string): Promise<SegmentGenerationAccepted> {
    const segment = await this.segments.findOne(segmentId);
    if (segment.textContent.trim() === '') throw new EmptySegmentTextError();
    if (segment.isLocked) throw new SegmentLockedForGenerationError();
    await this.requireEngine();
    const voice = await this.currentVoice();

    const taskId = `tts_${segment.id}_${hex8()}`;
    await this.tasks
      .create(taskId, {
        total: 1,
        labels: { kind: 'tts', project_id: segment.projectId, segment_id: segment.id },
        exclusive: [segmentClaim(segment.id)],
      })
      .catch(inProgress('segment'));
    await this.run(taskId, [segment], voice);
    return { taskId, segmentId: segment.id };
  }

  /** Generates the audio of a project's segments in order, by the contract's skip rules. */
  async generateProject(
    projectId: string,
    options: ProjectGenerationOptions,
  ): Promise<ProjectGenerationPlan> {
    const all = await this.segments.findForGeneration(projectId);
    const plan: ProjectGenerationPlan = {
      taskId: null,
      projectId,
      totalSegments: all.length,
      segmentsToProcess: 0,
      skippedLocked: 0,
      skippedExisting: 0,
      skippedEmpty: 0,
    };
    const todo: Segment[] = [];
    for (const segment of all) {
      if (segment.isLocked && options.skipLocked) plan.skippedLocked += 1;
      else if (segment.textContent.trim() === '') plan.skippedEmpty += 1;
      else if (segment.audioFile !== null && !options.forceRegenerate) plan.skippedExisting += 1;
      else todo.push(segment);
    }
    plan.segmentsToProcess = todo.length;
    if (todo.length === 0) return plan;

    await this.requireEngine();
    const voice = await this.currentVoice();

    const taskId = `tts_batch_${projectId}_${hex8()}`;
    await this.tasks
      .create(taskId, {
        total: todo.length,
        labels: { kind: 'tts_batch', project_id: projectId },
        exclusive: [batchClaim(projectId)],
        claims: todo.map((segment) => segmentClaim(segment.id)),
      })
      .catch(inProgress('project'));
    plan.taskId = taskId;
    await this.run(taskId, todo, voice);
    return plan;
  }

  /** Load of the generation pipeline, for health and metrics. */
  stats(): { queued: number; running: number; finishing: number; busy: number; workers: number } {
    return {
      /** Segments waiting for their turn. */
      queued: this.scheduler.queued,
      /** Segments handed to the engine (synthesizing, or next in a worker's line). */
      running: this.scheduler.busy,
      /** Segments synthesized whose WAV and record are being written. */
      finishing: this.scheduler.finishing,
      /** Engine workers synthesizing right now. */
      busy: this.engine.stats().busy,
      workers: this.engine.workers,
    };
  }

  private async requireEngine(): Promise<void> {
    if (this.stopping) throw new ShuttingDownError();
    if (!(await this.engineReady) || !this.engine.isAvailable()) {
      throw new SpeechEngineUnavailableError();
    }
  }

  private async currentVoice(): Promise<Voice> {
    const settings = await this.settings.get();
    // A voice the engine lacks falls back to the default voice, with a log line.
    const voice = this.voices.resolve(settings.defaultVoiceId);
    return { engineVoice: voice.engineVoice, speed: settings.ttsSpeed };
  }

  /**
   * Starts a task's segments through the scheduler (resolves once they are queued) and
   * finishes the task when all have settled.
   */
  private async run(taskId: string, segments: Segment[], voice: Voice): Promise<void> {
    const cancel = await this.tasks.cancelSignal(taskId);
    const signal = AbortSignal.any([cancel.signal, this.shutdown.signal]);
    let settled = 0;
    const onCancel = () => this.scheduler.drop(taskId);
    signal.addEventListener('abort', onCancel, { once: true });

    const jobs = segments.map((segment) => async (releaseSlot: () => void) => {
      if (signal.aborted) return;
      try {
        await this.tasks.beginSegment(taskId, segment.id);
        await this.synthesizeSegment(taskId, segment, voice, signal, releaseSlot);
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
        this.logger.error(`Task ${taskId} crashed: ${describe(error)}`);
        await this.tasks.fail(taskId, 'Internal error');
      })
      .finally(() => {
        signal.removeEventListener('abort', onCancel);
        cancel.release();
        this.runs.delete(run);
      });
    this.runs.add(run);
  }

  private async synthesizeSegment(
    taskId: string,
    segment: Segment,
    voice: Voice,
    signal: AbortSignal,
    releaseSlot: () => void,
  ): Promise<void> {
    let stage: 'synthesis' | 'file' | 'record' = 'synthesis';
    try {
      const { samples, sampleRate, words } = await this.metrics.timeSynthesis(() =>
        this.engine.synthesize(
          { text: segment.textContent, voice: voice.engineVoice, speed: voice.speed },
          { signal },
        ),
      );
      // The engine is free: the next segment synthesizes while this one is written.
      releaseSlot();
      stage = 'file';
      const boundaries = words && {
        text: segment.textContent,
        sampleRate,
        sampleCount: samples.length,
        words,
      };
      await this.files.write(
        segment.projectId,
        segment.id,
        encodeWav(samples, sampleRate),
        boundaries,
      );
      const duration = durationOf(samples, sampleRate);
      stage = 'record';
      const completed = {
        segment_id: segment.id,
        audio_url: this.media.audioUrlPath(segment.projectId, segment.id),
        duration,
      };
      // Write-ahead: a crash during the database write can tell whether it happened.
      await this.tasks.recordingSegment(taskId, completed);
      await this.segments.setAudio(segment.id, duration).catch(async (error: unknown) => {
        await this.files.remove(segment.projectId, segment.id);
        throw error;
      });
      await this.tasks.settleSegment(taskId, { segmentId: segment.id, completed });
    } catch (error) {
      if (error instanceof SynthesisAbortedError) return; // cancelled: the task says so already
      this.logger.warn(`Segment ${segment.id} of ${taskId} failed (${stage}): ${describe(error)}`);
      await this.tasks.settleSegment(taskId, {
        segmentId: segment.id,
        error: clientMessage(stage, error),
      });
    }
  }
}

/** The duplicate guard's refusal, as the contract's 409 naming the active task. */
function inProgress(what: 'segment' | 'project') {
  return (error: unknown): never => {
    if (error instanceof TaskClaimConflictError) {
      throw new GenerationInProgressError(what, error.holder);
    }
    throw error;
  };
}

/** A sentence for the client: never a file-system path or a stack. */
function clientMessage(stage: 'synthesis' | 'file' | 'record', error: unknown): string {
  if (stage === 'synthesis') {
    return error instanceof SynthesisFailedError ? 'Speech synthesis failed' : 'Unexpected error';
  }
  if (stage === 'file') return 'Could not write the audio file';
  return (error as { kind?: string }).kind === 'not_found'
    ? 'Segment was deleted during generation'
    : 'Could not record the audio on the segment';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hex8(): string {
  return randomBytes(4).toString('hex');
}
