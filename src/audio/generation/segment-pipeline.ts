import { describeError } from '../../common/errors/describe-error';
import { Injectable, Logger } from '@nestjs/common';
import { SegmentsService } from '../../projects/segments/segments.service';
import { TaskManagerService } from '../../tasks/task-manager.service';
import { SynthesisAbortedError, SynthesisFailedError } from '../engine/tts-engine.errors';
import { TtsEngine } from '../engine/tts.engine';
import { durationOf, wavOf } from '../engine/wav';
import { AudioStorage } from '../storage/audio.storage';
import { SynthesisMetrics } from '../synthesis.metrics';
import type { SegmentJob, VoiceChoice } from './generation.queue';

type Stage = 'synthesis' | 'file' | 'record';

/**
 * One segment, from text to recorded audio: synthesize → WAV → store → record on the
 * segment → report into the task. It needs only the job (ids and text), so a remote worker
 * runs it unchanged. It never throws: a failure at any stage settles the segment in the task
 * with a client-safe sentence and never touches another segment; a cancel ends it silently
 * (the task already says so).
 */
@Injectable()
export class SegmentPipeline {
  private readonly logger = new Logger(SegmentPipeline.name);

  constructor(
    private readonly engine: TtsEngine,
    private readonly storage: AudioStorage,
    private readonly segments: SegmentsService,
    private readonly tasks: TaskManagerService,
    private readonly metrics: SynthesisMetrics,
  ) {}

  /**
   * Runs one segment of a task. `engineDone` is called once the engine is free (after the
   * synthesis, success or not), so the next segment can start while this one is written.
   */
  async run(
    taskId: string,
    job: SegmentJob,
    voice: VoiceChoice,
    signal: AbortSignal,
    engineDone: () => void = () => undefined,
  ): Promise<void> {
    await this.tasks.beginSegment(taskId, job.segmentId);
    let stage: Stage = 'synthesis';
    try {
      const result = await this.metrics
        .timeSynthesis(() =>
          this.engine.synthesize(
            { text: job.text, voice: voice.engineVoice, speed: voice.speed },
            { signal },
          ),
        )
        .finally(engineDone);
      const { samples, sampleRate, words } = result;
      stage = 'file';
      const boundaries = words && {
        text: job.text,
        sampleRate,
        sampleCount: samples.length,
        words,
      };
      await this.storage.write(job.projectId, job.segmentId, wavOf(result), boundaries);
      const duration = durationOf(samples, sampleRate);
      stage = 'record';
      const completed = {
        segment_id: job.segmentId,
        audio_url: this.storage.urlPath(job.projectId, job.segmentId),
        duration,
      };
      // Write-ahead: a crash during the database write can tell whether it happened.
      await this.tasks.recordingSegment(taskId, completed);
      await this.segments.setAudio(job.segmentId, duration).catch(async (error: unknown) => {
        await this.storage.remove(job.projectId, job.segmentId);
        throw error;
      });
      await this.tasks.settleSegment(taskId, { segmentId: job.segmentId, completed });
    } catch (error) {
      if (error instanceof SynthesisAbortedError) return; // cancelled: the task says so already
      this.logger.warn(
        `Segment ${job.segmentId} of ${taskId} failed (${stage}): ${describeError(error)}`,
      );
      await this.tasks.settleSegment(taskId, {
        segmentId: job.segmentId,
        error: clientMessage(stage, error),
      });
    }
  }
}

/** A sentence for the client: never a file-system path or a stack. */
function clientMessage(stage: Stage, error: unknown): string {
  if (stage === 'synthesis') {
    return error instanceof SynthesisFailedError ? 'Speech synthesis failed' : 'Unexpected error';
  }
  if (stage === 'file') return 'Could not write the audio file';
  return (error as { kind?: string }).kind === 'not_found'
    ? 'Segment was deleted during generation'
    : 'Could not record the audio on the segment';
}
