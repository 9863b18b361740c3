import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app.config';
import { MediaModule } from '../media/media.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { TasksModule } from '../tasks/tasks.module';
import { AudioController } from './audio.controller';
import { AudioFileStore } from './audio-file.store';
import { EspeakTtsEngine } from './engine/espeak-tts.engine';
import { TtsEngine } from './engine/tts-engine.port';
import {
  GENERATION_OPTIONS,
  GenerationOptions,
  SpeechGenerationService,
} from './speech-generation.service';

/**
 * Speech synthesis: the TTS engine (eSpeak NG in worker threads, behind the TtsEngine
 * port), the generation use cases, and their endpoints. Reports into TasksModule.
 */
@Module({
  imports: [TasksModule, ProjectsModule, SettingsModule, MediaModule],
  controllers: [AudioController],
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
    AudioFileStore,
    SpeechGenerationService,
  ],
  exports: [TtsEngine, SpeechGenerationService],
})
export class AudioModule {}
