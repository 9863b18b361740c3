import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error';
import { newId, parseId } from '../database/ids';
import { MediaLayout } from '../media/media-layout';
import { imageFormatOf, IMAGE_EXTENSIONS } from '../media/uploads/content-checks';
import { MediaUploadStore } from '../media/uploads/media-upload.store';
import type { UploadedFile } from '../media/uploads/uploaded-file';
import { SettingsRepository } from './settings.repository';
import type { Logo } from './settings.types';

/** Largest logo accepted. */
export const LOGO_MAX_BYTES = 5 * 1024 * 1024;

export class LogoNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'Logo not found');
  }
}

/** Uploaded logos, and the rule that the active logo always exists. */
@Injectable()
export class LogosService {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly uploads: MediaUploadStore,
    private readonly media: MediaLayout,
  ) {}

  /** Every logo, oldest first. */
  list(): Promise<Logo[]> {
    return this.settings.listLogos();
  }

  /** Stores a PNG, WebP or JPEG logo (checked by decoding it). Throws UploadRejectedError. */
  async upload(file: UploadedFile): Promise<Logo> {
    const mediaPath = await this.uploads.save(file, {
      kind: 'logo',
      inspect: async (path) => {
        const format = await imageFormatOf(path, ['png', 'webp', 'jpeg']);
        return format && IMAGE_EXTENSIONS[format];
      },
      refusal: 'Upload a valid image: PNG, WebP or JPEG.',
    });
    const logo: Logo = {
      id: newId(),
      name: logoName(file.filename),
      file: mediaPath,
      uploadedAt: new Date().toISOString(),
    };
    try {
      await this.settings.addLogo(logo);
    } catch (error) {
      await this.media.removeMediaFile(mediaPath);
      throw error;
    }
    return logo;
  }

  /**
   * Deletes a logo and its file; when it was the active logo, `active_logo` becomes null and
   * `logo_enabled` false in the same transaction. Throws LogoNotFoundError.
   */
  async delete(id: string): Promise<void> {
    const key = parseId(id);
    if (key === null) throw new LogoNotFoundError();
    const deleted = await this.settings.transaction(async (tx) => {
      const logo = await tx.deleteLogo(key);
      if (!logo) throw new LogoNotFoundError();
      if ((await tx.get()).activeLogo === key) {
        await tx.update({ activeLogo: null, logoEnabled: false });
      }
      return logo;
    });
    await this.media.removeMediaFile(deleted.file);
  }
}

/** `C:\\logos\\studio.png` → `studio`: the display name, from the base name. */
function logoName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return (base.replace(/\.[^.]*$/, '').trim() || 'logo').slice(0, 200);
}
