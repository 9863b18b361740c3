import { Injectable } from '@nestjs/common';
import { RequestValidationError } from '../common/errors/domain.error';
import { SettingsService } from '../settings/settings.service';
import { SpeechEngineUnavailableError } from './audio.errors';
import { EngineUnavailableError } from './engine/tts-engine.errors';
import { EngineVoices } from './engine/engine-voices';
import { encodeWav } from './engine/wav';
import { SpeechSynthesizer, SpeechUnavailableError } from './speech/speech.synthesizer';

/** What to preview; voice and speed default to the current settings. */
export interface VoicePreviewRequest {
  text: string;
  voiceId?: string;
  speed?: number;
}

/**
 * The settings page's voice preview (`POST /api/settings/tts-test/`): a short text
 * synthesized as one piece by the `SpeechSynthesizer` (this process's engine pool, taking its
 * turn among the running tasks; on an API node, a worker's), answered as a WAV and stored
 * nowhere.
 */
@Injectable()
export class VoicePreviewService {
  constructor(
    private readonly speech: SpeechSynthesizer,
    private readonly settings: SettingsService,
    private readonly voices: EngineVoices,
  ) {}

  /**
   * The preview as a WAV file. Throws SpeechEngineUnavailableError; an engine failure is
   * rethrown as it is (a 500). A voice id that is not offered is a RequestValidationError.
   */
  async preview(request: VoicePreviewRequest): Promise<Buffer> {
    if (request.voiceId !== undefined && !this.voices.accepts(request.voiceId)) {
      throw new RequestValidationError({ voice: [`"${request.voiceId}" is not a valid choice.`] });
    }
    const current = await this.settings.get();
    // Any engine: a voice it lacks falls back to the default voice, with a log line.
    const voice = this.voices.resolve(request.voiceId ?? current.defaultVoiceId);
    const speed = request.speed ?? current.ttsSpeed;
    const spoken = this.speech.speak(
      [{ text: request.text, voice: voice.engineVoice, speed }],
      new AbortController().signal,
    );
    try {
      const { value } = await spoken.next();
      if (!value) throw new SpeechUnavailableError('The preview was not spoken');
      return encodeWav(value.samples, value.sampleRate);
    } catch (error) {
      if (error instanceof SpeechUnavailableError) {
        throw new SpeechEngineUnavailableError(error.message, error.retryAfterSeconds);
      }
      throw error instanceof EngineUnavailableError ? new SpeechEngineUnavailableError() : error;
    } finally {
      await spoken.return();
    }
  }
}
