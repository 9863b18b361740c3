import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module';
import { EngineSelectionModule } from '../audio/engine/engine-selection.module';
import { OpenAiController } from './openai.controller';
import { OpenAiKeyGuard } from './openai-key.guard';
import { OpenAiSpeechService } from './openai-speech.service';

/**
 * OpenAI's speech API on this service's engine (see OpenAiController): it speaks through
 * AudioModule's SpeechSynthesizer (the engine's fair scheduler, or on an API node the
 * workers' speech queue), so it is no back door around the worker pool.
 */
@Module({
  imports: [AudioModule, EngineSelectionModule],
  controllers: [OpenAiController],
  providers: [OpenAiSpeechService, OpenAiKeyGuard],
  exports: [OpenAiSpeechService],
})
export class OpenAiModule {}
