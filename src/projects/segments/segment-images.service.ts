import { Injectable } from '@nestjs/common';
import { parseId } from '../../database/ids';
import { MediaLayout } from '../../media/media-layout';
import { imageFormatOf, IMAGE_EXTENSIONS } from '../../media/uploads/content-checks';
import { MediaUploadStore } from '../../media/uploads/media-upload.store';
import type { UploadedFile } from '../../media/uploads/uploaded-file';
import { SegmentHasNoImageError, SegmentLockedError, SegmentNotFoundError } from './segment.errors';
import type { Segment } from './segment.types';
import { SegmentsRepository } from './segments.repository';

/** Largest segment image accepted. */
export const SEGMENT_IMAGE_MAX_BYTES = 20 * 1024 * 1024;

const LOCKED = 'Cannot modify a locked segment.';

/**
 * A segment's picture (StoryFlow's editor uploads one per segment): stored under the
 * project's media folder, so deleting the project removes it; deleting the segment or
 * replacing the image removes the old file.
 */
@Injectable()
export class SegmentImagesService {
  constructor(
    private readonly segments: SegmentsRepository,
    private readonly uploads: MediaUploadStore,
    private readonly media: MediaLayout,
  ) {}

  /** The segment, if it may take an image. Throws SegmentNotFoundError, SegmentLockedError. */
  async checkWritable(segmentId: string): Promise<Segment> {
    const key = parseId(segmentId);
    const segment = key === null ? undefined : await this.segments.findById(key);
    if (!segment) throw new SegmentNotFoundError();
    if (segment.isLocked) throw new SegmentLockedError(LOCKED);
    return segment;
  }

  /**
   * Checks the segment first (not found, locked: nothing is read or written), then stores a
   * JPEG, PNG or WebP that decodes, and replaces the old image. Throws SegmentNotFoundError,
   * SegmentLockedError, UploadRejectedError.
   */
  async upload(segmentId: string, file: UploadedFile): Promise<Segment> {
    const segment = await this.checkWritable(segmentId);
    const mediaPath = await this.uploads.save(file, {
      kind: 'image',
      projectId: segment.projectId,
      inspect: async (path) => {
        const format = await imageFormatOf(path, ['jpeg', 'png', 'webp']);
        return format && IMAGE_EXTENSIONS[format];
      },
      refusal: 'Upload a valid image: JPEG, PNG or WebP.',
    });
    try {
      const { before, after } = await this.segments.transaction(async (tx) => {
        // Checked again: the segment may have been locked or deleted while the file arrived.
        const current = await tx.findById(segment.id);
        if (!current) throw new SegmentNotFoundError();
        if (current.isLocked) throw new SegmentLockedError(LOCKED);
        return { before: current, after: (await tx.update(segment.id, { imageFile: mediaPath }))! };
      });
      if (before.imageFile !== null) await this.media.removeMediaFile(before.imageFile);
      return after;
    } catch (error) {
      await this.media.removeMediaFile(mediaPath);
      throw error;
    }
  }

  /**
   * Forgets a segment's image and deletes its file. Throws SegmentNotFoundError,
   * SegmentLockedError, SegmentHasNoImageError.
   */
  async remove(segmentId: string): Promise<Segment> {
    const key = parseId(segmentId);
    if (key === null) throw new SegmentNotFoundError();
    const { before, after } = await this.segments.transaction(async (tx) => {
      const current = await tx.findById(key);
      if (!current) throw new SegmentNotFoundError();
      if (current.isLocked) throw new SegmentLockedError(LOCKED);
      if (current.imageFile === null) throw new SegmentHasNoImageError();
      return { before: current, after: (await tx.update(key, { imageFile: null }))! };
    });
    await this.media.removeMediaFile(before.imageFile!);
    return after;
  }
}
