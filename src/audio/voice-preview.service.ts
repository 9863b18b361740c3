import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RequestValidationError } from '../common/errors/domain.error';
import { SettingsService } from '../settings/settings.service';
import { SpeechEngineUnavailableError } from './audio.errors';
import { EngineUnavailableError } from './engine/tts-engine.errors';
import { SynthesisResult, TtsEngine } from './engine/tts.engine';
import { EngineVoices } from './engine/engine-voices';
import { encodeWav } from './engine/wav';
import { FairScheduler } from './fair-scheduler';

/** What to preview; voice and speed default to the current settings. */
export interface VoicePreviewRequest {
  text: string;
  voiceId?: string;
  speed?: number;
}

/**
 * The settings page's voice preview (`POST /api/settings/tts-test/`): a short text
 * synthesized on the same engine pool as generation, answered as a WAV and stored nowhere.
 * It goes through the engine's fair scheduler as a group of its own, so it takes its turn
 * among the running tasks (behind at most a segment or two of each) instead of waiting for
 * a long batch to finish.
 */
@Injectable()
export class VoicePreviewService {
  constructor(
    private readonly engine: TtsEngine,
    private readonly scheduler: FairScheduler,
    private readonly settings: SettingsService,
    private readonly voices: EngineVoices,
  ) {}

  /**
   * The preview as a WAV file. Throws SpeechEngineUnavailableError; an engine failure is
   * rethrown as it is (a 500). A voice id that is not the engine's is a RequestValidationError.
   */
  async preview(request: VoicePreviewRequest): Promise<Buffer> {
    // Right after the server starts the engine may still be warming up: wait for that start
    // (shared with the one AudioModule began), as generation requests do.
    if (!this.engine.isAvailable()) {
      await this.engine.start().catch(() => {
        throw new SpeechEngineUnavailableError();
      });
    }
    if (request.voiceId !== undefined && !this.voices.accepts(request.voiceId)) {
      throw new RequestValidationError({ voice: [`"${request.voiceId}" is not a valid choice.`] });
    }
    const current = await this.settings.get();
    // Any engine: a voice it lacks falls back to the default voice, with a log line.
    const voice = this.voices.resolve(request.voiceId ?? current.defaultVoiceId);
    const speed = request.speed ?? current.ttsSpeed;
    const synthesis = { text: request.text, voice: voice.engineVoice, speed };
    const result = await new Promise<SynthesisResult>((resolve, reject) => {
      void this.scheduler
        .submit(`preview_${randomUUID()}`, [
          () => this.engine.synthesize(synthesis).then(resolve, reject),
        ])
        // Settled already, unless the scheduler dropped the job (the server is stopping).
        .then(() => reject(new EngineUnavailableError('The preview was not run')));
    }).catch((error: unknown) => {
      throw error instanceof EngineUnavailableError ? new SpeechEngineUnavailableError() : error;
    });
    return encodeWav(result.samples, result.sampleRate);
  }
}
