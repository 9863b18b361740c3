import { mkdir } from 'node:fs/promises';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { MEDIA_URL_PREFIX, MediaLayout } from './media-layout';
import { mediaStaticPlugin } from './media-static.plugin';
import { MediaUploadStore } from './uploads/media-upload.store';

/**
 * The media folder: its layout (MediaLayout), atomic uploads (MediaUploadStore) and its
 * read-only HTTP face at `/media/`,
 * registered on the Fastify instance while the app initializes (before it is ready).
 */
@Module({
  providers: [MediaLayout, MediaUploadStore],
  exports: [MediaLayout, MediaUploadStore],
})
export class MediaModule implements OnModuleInit {
  private readonly logger = new Logger(MediaModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly layout: MediaLayout,
  ) {}

  async onModuleInit(): Promise<void> {
    await mkdir(this.layout.mediaRoot, { recursive: true });
    const httpAdapter = this.adapterHost.httpAdapter;
    if (!httpAdapter) {
      this.logger.warn('No HTTP adapter: media files are not served');
      return;
    }
    // Queued, not awaited: awaiting would make Fastify load its plugin queue now, and the
    // routes already declared would capture the error handler before Nest installs its own
    // (Nest does that after onModuleInit). The plugin loads with the rest at `ready()`.
    void httpAdapter.getInstance<FastifyInstance>().register(mediaStaticPlugin, {
      prefix: MEDIA_URL_PREFIX,
      root: this.layout.mediaRoot,
    });
  }
}
