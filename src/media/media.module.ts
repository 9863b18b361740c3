import { mkdir } from 'node:fs/promises';
import { Module, OnModuleInit } from '@nestjs/common';
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
export class MediaModule implements OnModuleInit {
  constructor(private readonly layout: MediaLayout) {}

  async onModuleInit(): Promise<void> {
    await mkdir(this.layout.mediaRoot, { recursive: true });
  }
}
