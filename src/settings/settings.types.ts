/** Global text-to-speech settings, read when a synthesis task is accepted. */
export interface TtsSettings {
  /** One of the voice catalogue's ids. */
  readonly defaultVoiceId: string;
  /** Speech rate multiplier, 0.5–2.0. */
  readonly ttsSpeed: number;
}

export const TTS_SPEED_MIN = 0.5;
export const TTS_SPEED_MAX = 2.0;
