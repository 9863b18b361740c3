import { Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig, type AppConfig } from '../config/app.config';
import { MediaModule } from '../media/media.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { TaskManagerService } from '../tasks/task-manager.service';
import { TasksModule } from '../tasks/tasks.module';
import { AudioController } from './audio.controller';
import { VoicesController } from './voices.controller';
import { VoicePreviewService } from './voice-preview.service';
import { SynthesisMetrics } from './synthesis.metrics';
import type { EngineChoice } from './engine/engine-selection';
import { ENGINE_CHOICE, EngineSelectionModule } from './engine/engine-selection.module';
import { buildEngine } from './engine/engine-factory';
import { TtsEngine } from './engine/tts.engine';
import { engineScheduler, FairScheduler } from './fair-scheduler';
import { RedisConnections } from '../common/redis/redis-connections';
import {
  BULLMQ_GENERATION_OPTIONS,
  BullmqGenerationOptions,
  BullmqGenerationQueue,
} from './generation/bullmq-generation.queue';
import { GenerationQueue } from './generation/generation.queue';
import {
  GENERATION_OPTIONS,
  GenerationOptions,
  InProcessGenerationQueue,
} from './generation/in-process-generation.queue';
import { SegmentPipeline } from './generation/segment-pipeline';
import { SpeechGenerationService } from './speech-generation.service';
import { BullmqSpeechProcessor } from './speech/bullmq-speech.processor';
import { BullmqSpeechSynthesizer } from './speech/bullmq-speech.synthesizer';
import { InProcessSpeechSynthesizer } from './speech/in-process-speech.synthesizer';
import { SpeechSynthesizer } from './speech/speech.synthesizer';
import { EngineVoices } from './engine/engine-voices';
import { AudioStorage } from './storage/audio.storage';
import { LocalAudioStorage } from './storage/local-audio.storage';

/**
 * The engine TTS_ENGINE and the files chose (see `chooseEngine`). A neural engine is started
 * here, so that a model that cannot be loaded stops the start with a message naming the file
 * and the variable; eSpeak, whose data is built in, warms up after the server opens.
 */
async function createEngine(
  choice: EngineChoice,
  config: ConfigType<typeof appConfig>,
): Promise<TtsEngine> {
  const engine = buildEngine(choice, config.ttsWorkers);
  const { engine: name, files } = engine.describe();
  new Logger('AudioModule').log(
    `Speech engine: ${name} (TTS_ENGINE=${config.ttsEngine})` +
      (files.length > 0 ? ` from ${files.join(', ')}` : ', built-in voices'),
  );
  // An API node of a scaled-out deployment runs no engine (workers do): it is never started.
  if (choice.kind !== 'espeak' && config.role !== 'api') await engine.start();
  return engine;
}

/**
 * Speech synthesis: the TTS engine (eSpeak NG, Kokoro or Piper in worker threads, behind the
 * TtsEngine port), the generation use cases, the generation queue and the segment pipeline,
 * the audio storage, speech on request (the SpeechSynthesizer port: the voice preview and
 * OpenAI's speech route), and their endpoints. Reports into TasksModule. Each
 * port's adapter is chosen here, from the configuration.
 */
@Module({
  imports: [TasksModule, ProjectsModule, SettingsModule, MediaModule, EngineSelectionModule],
  controllers: [AudioController, VoicesController],
  providers: [
    {
      provide: TtsEngine,
      inject: [ENGINE_CHOICE, appConfig.KEY],
      useFactory: createEngine,
    },
    {
      provide: GENERATION_OPTIONS,
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig): GenerationOptions => ({
        shutdownGraceSeconds: config.shutdownGraceSeconds,
      }),
    },
    // One scheduler in front of the engine's pool, shared by generation and the preview.
    { provide: FairScheduler, inject: [TtsEngine], useFactory: engineScheduler },
    {
      provide: BULLMQ_GENERATION_OPTIONS,
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig): BullmqGenerationOptions => ({
        runsJobs: config.role !== 'api',
        shutdownGraceSeconds: config.shutdownGraceSeconds,
        lockDurationMs: config.redis ? config.redis.jobLockSeconds * 1000 : undefined,
      }),
    },
    // In process without REDIS_URL; with it, BullMQ on the shared Redis (docs/SCALING.md).
    {
      provide: GenerationQueue,
      inject: [
        RedisConnections,
        TtsEngine,
        FairScheduler,
        SegmentPipeline,
        TaskManagerService,
        AudioStorage,
        GENERATION_OPTIONS,
        BULLMQ_GENERATION_OPTIONS,
      ],
      useFactory: (
        redis: RedisConnections | null,
        engine: TtsEngine,
        scheduler: FairScheduler,
        pipeline: SegmentPipeline,
        tasks: TaskManagerService,
        storage: AudioStorage,
        options: GenerationOptions,
        bullOptions: BullmqGenerationOptions,
      ): GenerationQueue =>
        redis
          ? new BullmqGenerationQueue(redis, engine, pipeline, tasks, storage, bullOptions)
          : new InProcessGenerationQueue(engine, scheduler, pipeline, tasks, options),
    },
    // Speech on request (preview, /v1/audio/speech): this process's engine, unless it is an
    // API node of a scaled-out deployment, which has none: then the workers', through BullMQ.
    {
      provide: SpeechSynthesizer,
      inject: [RedisConnections, TtsEngine, FairScheduler, EngineVoices, appConfig.KEY],
      useFactory: (
        redis: RedisConnections | null,
        engine: TtsEngine,
        scheduler: FairScheduler,
        voices: EngineVoices,
        config: AppConfig,
      ): SpeechSynthesizer =>
        redis && config.role === 'api'
          ? new BullmqSpeechSynthesizer(redis, voices.engine)
          : new InProcessSpeechSynthesizer(engine, scheduler),
    },
    // Every node with an engine serves the API nodes' speech pieces (none without REDIS_URL).
    {
      provide: BullmqSpeechProcessor,
      inject: [RedisConnections, TtsEngine, EngineVoices, appConfig.KEY],
      useFactory: (
        redis: RedisConnections | null,
        engine: TtsEngine,
        voices: EngineVoices,
        config: AppConfig,
      ): BullmqSpeechProcessor | null =>
        redis && config.role !== 'api'
          ? new BullmqSpeechProcessor(redis, engine, voices.engine, {
              shutdownGraceSeconds: config.shutdownGraceSeconds,
            })
          : null,
    },
    { provide: AudioStorage, useClass: LocalAudioStorage },
    SegmentPipeline,
    SpeechGenerationService,
    SynthesisMetrics,
    VoicePreviewService,
  ],
  exports: [
    TtsEngine,
    FairScheduler,
    SpeechSynthesizer,
    SpeechGenerationService,
    SynthesisMetrics,
    AudioStorage,
  ],
})
export class AudioModule {}
