import { Injectable } from '@nestjs/common';
import { VOICE_CATALOGUE, VoiceInfo, findVoice } from '../audio/engine/voice-catalogue';
import { RequestValidationError } from '../common/errors/domain.error';
import { SettingsRepository } from './settings.repository';
import { TTS_SPEED_MAX, TTS_SPEED_MIN, TtsSettings } from './settings.types';

/** The global TTS settings and the voices they may name. */
@Injectable()
export class SettingsService {
  constructor(private readonly settings: SettingsRepository) {}

  /** The current settings (defaults: `af_bella`, 1.0). */
  get(): Promise<TtsSettings> {
    return this.settings.get();
  }

  /**
   * Changes some settings. An unknown voice or a speed out of 0.5–2.0 throws
   * RequestValidationError and changes nothing.
   */
  async update(changes: Partial<TtsSettings>): Promise<TtsSettings> {
    const problems: Record<string, string[]> = {};
    if (changes.defaultVoiceId !== undefined && !findVoice(changes.defaultVoiceId)) {
      problems.default_voice_id = [`"${changes.defaultVoiceId}" is not a valid choice.`];
    }
    const speed = changes.ttsSpeed;
    if (speed !== undefined && !(speed >= TTS_SPEED_MIN && speed <= TTS_SPEED_MAX)) {
      problems.tts_speed = [`Ensure this value is between ${TTS_SPEED_MIN} and ${TTS_SPEED_MAX}.`];
    }
    if (Object.keys(problems).length > 0) throw new RequestValidationError(problems);
    if (changes.defaultVoiceId === undefined && speed === undefined) return this.settings.get();
    return this.settings.update(changes);
  }

  /** Every voice a client may choose. */
  listVoices(): readonly VoiceInfo[] {
    return VOICE_CATALOGUE;
  }
}
