import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit, Optional } from '@nestjs/common';
import type { Segment } from '../projects/segments/segment.types';
import { SegmentsService } from '../projects/segments/segments.service';
import { SettingsService } from '../settings/settings.service';
import { TaskManagerService } from '../tasks/task-manager.service';
import { TaskClaimConflictError } from '../tasks/task.errors';
import { batchClaim, segmentClaim } from '../tasks/task-transitions';
import {
  EmptySegmentTextError,
  GenerationInProgressError,
  SegmentLockedForGenerationError,
} from './audio.errors';
import { EngineVoices } from './engine/engine-voices';
import {
  GenerationQueue,
  GenerationStats,
  SegmentJob,
  VoiceChoice,
} from './generation/generation.queue';
import {
  ProjectGenerationOptions,
  selectSegmentsToGenerate,
} from './generation/generation-skip-rules';
import { AudioStorage } from './storage/audio.storage';

export type { ProjectGenerationOptions } from './generation/generation-skip-rules';

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

/**
 * The use cases of audio generation: check a request, create its task (the duplicate guard
 * is the task's claims), and hand its segments to the generation queue, which runs each
 * through the segment pipeline and finishes the task. At start it restores the tasks a crash
 * interrupted and sweeps temporary audio files.
 */
@Injectable()
export class SpeechGenerationService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SpeechGenerationService.name);
  private readonly voices: EngineVoices;

  constructor(
    private readonly tasks: TaskManagerService,
    private readonly segments: SegmentsService,
    private readonly settings: SettingsService,
    private readonly queue: GenerationQueue,
    private readonly storage: AudioStorage,
    // The running engine's voices (EngineSelectionModule); eSpeak's catalogue without it.
    @Optional() voices?: EngineVoices,
  ) {
    this.voices = voices ?? EngineVoices.forChoice({ kind: 'espeak' });
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

  onApplicationBootstrap(): void {
    void this.storage.removeTemporaryFiles().catch((error: unknown) => {
      this.logger.warn(`Could not sweep temporary audio files: ${String(error)}`);
    });
  }

  /** Generates one segment's audio in the background. */
  async generateSegment(segmentId: string): Promise<SegmentGenerationAccepted> {
    const segment = await this.segments.findOne(segmentId);
    if (segment.textContent.trim() === '') throw new EmptySegmentTextError();
    if (segment.isLocked) throw new SegmentLockedForGenerationError();
    await this.queue.ensureAccepting();
    const voice = await this.currentVoice();

    const taskId = `tts_${segment.id}_${hex8()}`;
    await this.tasks
      .create(taskId, {
        total: 1,
        labels: { kind: 'tts', project_id: segment.projectId, segment_id: segment.id },
        exclusive: [segmentClaim(segment.id)],
      })
      .catch(inProgress('segment'));
    await this.queue.enqueue({ taskId, segments: [jobOf(segment)], voice });
    return { taskId, segmentId: segment.id };
  }

  /** Generates the audio of a project's segments in order, by the contract's skip rules. */
  async generateProject(
    projectId: string,
    options: ProjectGenerationOptions,
  ): Promise<ProjectGenerationPlan> {
    const all = await this.segments.findForGeneration(projectId);
    const { todo, ...skipped } = selectSegmentsToGenerate(all, options);
    const plan: ProjectGenerationPlan = {
      taskId: null,
      projectId,
      totalSegments: all.length,
      segmentsToProcess: todo.length,
      ...skipped,
    };
    if (todo.length === 0) return plan;

    await this.queue.ensureAccepting();
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
    await this.queue.enqueue({ taskId, segments: todo.map(jobOf), voice });
    return plan;
  }

  /** Load of the generation pipeline, for health and metrics. */
  stats(): GenerationStats {
    return this.queue.stats();
  }

  private async currentVoice(): Promise<VoiceChoice> {
    const settings = await this.settings.get();
    // A voice the engine lacks falls back to the default voice, with a log line.
    const voice = this.voices.resolve(settings.defaultVoiceId);
    return { engineVoice: voice.engineVoice, speed: settings.ttsSpeed };
  }
}

function jobOf(segment: Segment): SegmentJob {
  return { segmentId: segment.id, projectId: segment.projectId, text: segment.textContent };
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

function hex8(): string {
  return randomBytes(4).toString('hex');
}
