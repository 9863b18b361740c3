import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../../config/app.config';
import { chooseEngine, EngineChoice } from './engine-selection';
import { OfferedVoices } from '../../settings/offered-voices';
import { EngineVoices } from './engine-voices';

/** DI token of the `EngineChoice`: which engine runs, from which files. */
export const ENGINE_CHOICE = Symbol('ENGINE_CHOICE');

/**
 * Which speech engine runs (TTS_ENGINE and the model files present) and its voices. Decided
 * once at start; an explicit engine whose files are missing stops the start. Imported by
 * AudioModule (which builds the engine and lists the voices). Global for one reason: it
 * provides settings' `OfferedVoices` port (the voices a setting may name), which settings
 * declares and cannot import from here without a dependency loop.
 */
@Global()
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
    { provide: OfferedVoices, useExisting: EngineVoices },
  ],
  exports: [ENGINE_CHOICE, EngineVoices, OfferedVoices],
})
export class EngineSelectionModule {}
