import { Module } from '@nestjs/common';
import { VideoRenderingController } from './video-rendering.controller';

/** The out-of-scope video routes of StoryFlow's API (501). */
@Module({ controllers: [VideoRenderingController] })
export class VideoModule {}
