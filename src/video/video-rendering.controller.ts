import { Controller, Delete, Get, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError } from '../common/errors/domain.error';
import { ErrorBodyDto } from '../common/http/error-body.dto';

/** StoryFlow's video routes: this service synthesizes speech, it does not render video. */
export class VideoRenderingNotProvidedError extends DomainError {
  constructor() {
    super('not_implemented', 'Video rendering is not part of this service');
  }
}

/**
 * StoryFlow's frontend also calls its backend's video routes (render, render status, cancel,
 * gallery). They answer 501 with a sentence, so the page shows a clear message, not a 404.
 */
@ApiTags('video (not provided)')
@ApiResponse({ status: 501, type: ErrorBodyDto, description: 'Video rendering is not provided' })
@Controller()
export class VideoRenderingController {
  @Post(['projects/:id/render', 'projects/:id/cancel-render'])
  @ApiOperation({ summary: 'Render or cancel a video: not provided (501)' })
  render(): never {
    throw new VideoRenderingNotProvidedError();
  }

  @Get(['projects/:id/status', 'gallery', 'gallery/*'])
  @ApiOperation({ summary: 'Render status, gallery: not provided (501)' })
  read(): never {
    throw new VideoRenderingNotProvidedError();
  }

  @Delete('gallery/*')
  @ApiOperation({ summary: 'Gallery: not provided (501)' })
  remove(): never {
    throw new VideoRenderingNotProvidedError();
  }
}
