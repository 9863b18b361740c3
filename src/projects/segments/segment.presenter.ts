import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MediaLayout } from '../../media/media-layout';
import type { SegmentDto } from './dto/segment.dto';
import type { Segment } from './segment.types';

/** The one mapping from a Segment to its JSON (snake_case, absolute audio URL). */
@Injectable()
export class SegmentPresenter {
  constructor(private readonly media: MediaLayout) {}

  toJson(segment: Segment, request: FastifyRequest): SegmentDto {
    return {
      id: segment.id,
      project: segment.projectId,
      sequence_index: segment.sequenceIndex,
      text_content: segment.textContent,
      image_prompt: segment.imagePrompt,
      image_file:
        segment.imageFile === null
          ? null
          : this.media.absoluteUrl(request, this.media.urlPathOf(segment.imageFile)),
      audio_file:
        segment.audioFile === null
          ? null
          : this.media.absoluteUrl(request, this.media.urlPathOf(segment.audioFile)),
      audio_duration: segment.audioDuration,
      is_locked: segment.isLocked,
    };
  }

  toJsonList(segments: readonly Segment[], request: FastifyRequest): SegmentDto[] {
    return segments.map((segment) => this.toJson(segment, request));
  }
}
