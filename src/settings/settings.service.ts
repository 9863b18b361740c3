import { Injectable, Optional } from '@nestjs/common';
import { OfferedVoices, STORYFLOW_ONLY } from './offered-voices';
import { RequestValidationError } from '../common/errors/domain.error';
import { parseId } from '../database/ids';
import { MediaLayout } from '../media/media-layout';
import { fontFormatOf } from '../media/uploads/content-checks';
import { MediaUploadStore } from '../media/uploads/media-upload.store';
import type { UploadedFile } from '../media/uploads/uploaded-file';
import { SettingsRepository } from './settings.repository';
import {
  GlobalSettings,
  RENDER_RESOLUTIONS,
  SettingsChanges,
  TTS_SPEED_MAX,
  TTS_SPEED_MIN,
} from './settings.types';

/**
 * StoryFlow's global settings. The HTTP layer checks each field on its own
 * (UpdateSettingsDto); this service holds the rules across fields or records, the voice
 * offered (OfferedVoices: the running engine's list), and re-checks the speed for callers
 * other than HTTP.
 */
@Injectable()
export class SettingsService {
  private readonly voices: OfferedVoices;

  constructor(
    private readonly settings: SettingsRepository,
    private readonly uploads: MediaUploadStore,
    private readonly media: MediaLayout,
    @Optional() voices?: OfferedVoices,
  ) {
    this.voices = voices ?? STORYFLOW_ONLY;
  }

  /** The whole settings record (defaults until changed). */
  get(): Promise<GlobalSettings> {
    return this.settings.get();
  }

  /**
   * Changes some settings, all or none: a refused change (RequestValidationError, details
   * keyed by field; a width×height pair that is not offered by `render_resolution`) changes
   * nothing. Checked and written in one transaction, so the logo named still exists.
   */
  async update(changes: SettingsChanges): Promise<GlobalSettings> {
    return this.settings.transaction(async (tx) => {
      const current = await tx.get();
      const problems: Record<string, string[]> = {};
      if (changes.defaultVoiceId !== undefined && !this.voices.accepts(changes.defaultVoiceId)) {
        problems.default_voice_id = [`"${changes.defaultVoiceId}" is not a valid choice.`];
      }
      const speed = changes.ttsSpeed;
      if (speed !== undefined && !(speed >= TTS_SPEED_MIN && speed <= TTS_SPEED_MAX)) {
        problems.tts_speed = [
          `Ensure this value is between ${TTS_SPEED_MIN} and ${TTS_SPEED_MAX}.`,
        ];
      }
      const width = changes.renderWidth ?? current.renderWidth;
      const height = changes.renderHeight ?? current.renderHeight;
      if (!RENDER_RESOLUTIONS.some(([w, h]) => w === width && h === height)) {
        problems.render_resolution = [
          `${width}x${height} is not a supported resolution. Choose one of ` +
            `${RENDER_RESOLUTIONS.map(([w, h]) => `${w}x${h}`).join(', ')}.`,
        ];
      }
      if (changes.activeLogo !== undefined && changes.activeLogo !== null) {
        const key = parseId(changes.activeLogo);
        if (key === null || !(await tx.findLogo(key))) {
          problems.active_logo = [`Invalid pk "${changes.activeLogo}" - object does not exist.`];
        }
      }
      if (Object.keys(problems).length > 0) throw new RequestValidationError(problems);
      const given = Object.values(changes).some((value) => value !== undefined);
      if (!given) return current;
      const activeLogo =
        changes.activeLogo === undefined || changes.activeLogo === null
          ? changes.activeLogo
          : parseId(changes.activeLogo);
      return tx.update({ ...changes, activeLogo });
    });
  }

  /**
   * Stores an uploaded `.ttf`/`.otf` font (checked by parsing it) and makes it the subtitle
   * font: `custom_font_file` points at it, `subtitle_font_family` is the file's base name,
   * and the previous custom font file is deleted. Throws UploadRejectedError.
   */
  async uploadFont(file: UploadedFile): Promise<GlobalSettings> {
    if (!/\.(ttf|otf)$/i.test(file.filename)) file.reject(FONT_REFUSAL);
    const mediaPath = await this.uploads.save(file, {
      kind: 'font',
      inspect: fontFormatOf,
      refusal: FONT_REFUSAL,
    });
    const { previous, updated } = await this.settings
      .transaction(async (tx) => {
        const before = await tx.get();
        const after = await tx.update({
          customFontFile: mediaPath,
          subtitleFontFamily: fontFamilyOf(file.filename),
          // StoryFlow's legacy field held a server path; here it is the font's file name.
          subtitleFont: baseName(file.filename).slice(0, 255),
        });
        return { previous: before.customFontFile, updated: after };
      })
      .catch(async (error: unknown) => {
        await this.media.removeMediaFile(mediaPath);
        throw error;
      });
    if (previous !== null) await this.media.removeMediaFile(previous);
    return updated;
  }
}

const FONT_REFUSAL = 'Upload a valid font file: .ttf or .otf.';

/** The last part of a client's file name (any separator), never a path. */
function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? '';
}

/** `My Font-Bold.ttf` → `My Font-Bold` (1–200 characters, as the field's rule says). */
function fontFamilyOf(fileName: string): string {
  const name = baseName(fileName)
    .replace(/\.(ttf|otf)$/i, '')
    .trim();
  return (name || 'Custom font').slice(0, 200);
}
