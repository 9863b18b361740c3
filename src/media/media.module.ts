import { mkdir } from 'node:fs/promises';
import { Logger, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { MediaLayout } from './media-layout';
import { MediaUploadStore } from './uploads/media-upload.store';

/**
 * The media folder: its layout (MediaLayout) and atomic uploads (MediaUploadStore). Its
 * read-only HTTP face at `/media/` (`media-route.ts`) reads segment audio through audio's
 * AudioStorage port, so it is registered where both are known: `configureApp`.
 */
@Module({
  providers: [MediaLayout, MediaUploadStore],
  exports: [MediaLayout, MediaUploadStore],
})
export class MediaModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly layout: MediaLayout,
    private readonly uploads: MediaUploadStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await mkdir(this.layout.mediaRoot, { recursive: true });
  }

  /** Uploads a crash cut short are swept in the background, as the audio's are. */
  onApplicationBootstrap(): void {
    void this.uploads.removeTemporaryFiles().catch((error: unknown) => {
      new Logger(MediaModule.name).warn(`Could not sweep temporary uploads: ${String(error)}`);
    });
  }
}
