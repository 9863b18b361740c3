/**
 * StoryFlow's global settings: one record. This service uses the voice, the speed and the
 * silence between segments; it stores the subtitle, render and logo settings for StoryFlow's
 * frontend (and a renderer that reads them).
 */
export interface GlobalSettings {
  /** One of the voice catalogue's ids. */
  readonly defaultVoiceId: string;
  /** Speech rate multiplier, 0.5–2.0. */
  readonly ttsSpeed: number;
  /** Seconds of silence between segments where they are joined, 0–5. */
  readonly interSegmentSilence: number;
  readonly subtitleFontFamily: string;
  readonly subtitleFontSize: number;
  /** `#RRGGBB`. */
  readonly subtitleFontColor: string;
  readonly subtitlePosition: SubtitlePosition;
  /** Legacy (StoryFlow's older font field); never a server path. */
  readonly subtitleFont: string;
  /** Legacy, `#RRGGBB`. */
  readonly subtitleColor: string;
  readonly subtitlesEnabled: boolean;
  readonly renderWidth: number;
  readonly renderHeight: number;
  readonly renderFps: number;
  readonly kenBurnsZoom: number;
  readonly transitionDuration: number;
  /** Legacy. */
  readonly zoomIntensity: number;
  readonly logoEnabled: boolean;
  /** Id of an uploaded logo, or null. */
  readonly activeLogo: string | null;
  readonly logoScale: number;
  readonly logoPosition: LogoPosition;
  readonly logoOpacity: number;
  readonly logoMargin: number;
  /** Media path of the uploaded subtitle font, or null. Read-only for clients. */
  readonly customFontFile: string | null;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The voice part of the settings, all that speech generation reads. */
export type TtsSettings = Pick<GlobalSettings, 'defaultVoiceId' | 'ttsSpeed'>;

/** Fields a client may change (created/updated times and the font file are the server's). */
export type SettingsChanges = Partial<
  Omit<GlobalSettings, 'customFontFile' | 'createdAt' | 'updatedAt'>
>;

/** What the server itself may change besides a client's fields (the font upload). */
export type SettingsUpdate = SettingsChanges & { customFontFile?: string | null };

export const SUBTITLE_POSITIONS = ['bottom', 'center', 'top'] as const;
export type SubtitlePosition = (typeof SUBTITLE_POSITIONS)[number];

export const LOGO_POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export type LogoPosition = (typeof LOGO_POSITIONS)[number];

/** StoryFlow's `tts_speed` range: the engines' (common/speech/speed.ts). */
export { SPEED_MAX as TTS_SPEED_MAX, SPEED_MIN as TTS_SPEED_MIN } from '../common/speech/speed';

/** The width×height pairs StoryFlow's renderer offers (16:9, 9:16, square, 4:5, 4:3, 3:4). */
export const RENDER_RESOLUTIONS: readonly (readonly [number, number])[] = [
  [1280, 720],
  [1920, 1080],
  [3840, 2160],
  [720, 1280],
  [1080, 1920],
  [720, 720],
  [1080, 1080],
  [864, 1080],
  [1080, 1350],
  [1440, 1080],
  [1080, 1440],
];

export const RENDER_FPS_CHOICES = [24, 30, 60] as const;

/** An uploaded logo (PNG, WebP or JPEG) a renderer may put on the video. */
export interface Logo {
  readonly id: string;
  /** From the uploaded file's name. */
  readonly name: string;
  /** Media path of the stored image. */
  readonly file: string;
  /** ISO 8601, UTC. */
  readonly uploadedAt: string;
}
