import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app.config';
import { MediaModule } from '../media/media.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { TasksModule } from '../tasks/tasks.module';
import { AudioController } from './audio.controller';
import { VoicePreviewController } from './voice-preview.controller';
import { VoicePreviewService } from './voice-preview.service';
import { AudioFileStore } from './audio-file.store';
import { SynthesisMetrics } from './synthesis.metrics';
import { EspeakTtsEngine } from './engine/espeak-tts.engine';
import { TtsEngine } from './engine/tts-engine.port';
import { engineScheduler, FairScheduler } from './fair-scheduler';
import {
  GENERATION_OPTIONS,
  GenerationOptions,
  SpeechGenerationService,
} from './speech-generation.service';

/**
 * Speech synthesis: the TTS engine (eSpeak NG in worker threads, behind the TtsEngine
 * port), the generation use cases, the voice preview, and their endpoints. Reports into
 * TasksModule.
 */
@Module({
  imports: [TasksModule, ProjectsModule, SettingsModule, MediaModule],
  controllers: [AudioController, VoicePreviewController],
  providers: [
    {
      provide: TtsEngine,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        new EspeakTtsEngine({ workers: config.getOrThrow<AppConfig>('app').ttsWorkers }),
    },
    {
      provide: GENERATION_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService): GenerationOptions => ({
        shutdownGraceSeconds: config.getOrThrow<AppConfig>('app').shutdownGraceSeconds,
      }),
    },
    // One scheduler in front of the engine's pool, shared by generation and the preview.
    { provide: FairScheduler, inject: [TtsEngine], useFactory: engineScheduler },
    AudioFileStore,
    SpeechGenerationService,
    SynthesisMetrics,
    VoicePreviewService,
  ],
  exports: [TtsEngine, SpeechGenerationService, SynthesisMetrics],
})
export class AudioModule {}
