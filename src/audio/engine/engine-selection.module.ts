import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../../config/app.config';
import { chooseEngine, EngineChoice } from './engine-selection';
import { EngineVoices } from './engine-voices';

/** DI token of the `EngineChoice`: which engine runs, from which files. */
export const ENGINE_CHOICE = Symbol('ENGINE_CHOICE');

/**
 * Which speech engine runs (TTS_ENGINE and the model files present) and its voices. Decided
 * once at start; an explicit engine whose files are missing stops the start. Imported by
 * AudioModule (which builds the engine) and SettingsModule (which lists the voices).
 */
@Module({
  providers: [
    {
      provide: ENGINE_CHOICE,
      inject: [appConfig.KEY],
      useFactory: (config: ConfigType<typeof appConfig>): EngineChoice => chooseEngine(config),
    },
    {
      provide: EngineVoices,
      inject: [ENGINE_CHOICE],
      useFactory: (choice: EngineChoice) => EngineVoices.forChoice(choice),
    },
  ],
  exports: [ENGINE_CHOICE, EngineVoices],
})
export class EngineSelectionModule {}
