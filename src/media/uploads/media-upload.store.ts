import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Injectable, Logger } from '@nestjs/common';
import { MediaLayout, UploadKind } from '../media-layout';
import { openLocalFile, type StoredFile } from '../stored-file';
import { removeTemporaryFiles, temporaryPathFor } from '../temporary-files';
import { describeLimit, UploadedFile } from './uploaded-file';

/** Where an upload goes and how its content is judged. */
export interface UploadTarget {
  kind: UploadKind;
  /** For images: the project whose folder holds them. */
  projectId?: string;
  /**
   * Judges the received file by its content: the extension to store it under, or null to
   * refuse it with `refusal`.
   */
  inspect: (path: string) => Promise<string | null>;
  refusal: string;
}

/**
 * The uploads under the media root. Writes are atomic: the bytes stream to a temporary name in
 * the target folder (never held in memory), stop at the route's limit, are judged by their
 * content, and only then renamed into place under a name the server chose (a UUID). A
 * reader never sees half a file; a refused upload leaves nothing behind, and what a crash
 * left is swept at start (`removeTemporaryFiles`). `/media/` reads them back through `open`.
 */
@Injectable()
export class MediaUploadStore {
  private readonly logger = new Logger(MediaUploadStore.name);

  constructor(private readonly media: MediaLayout) {}

  /** Deletes the temporary files a crash left in the upload folders; returns how many. */
  async removeTemporaryFiles(): Promise<number> {
    const removed = await removeTemporaryFiles(
      await this.media.uploadFolders(),
      undefined,
      this.media.temporaryFileGraceMs,
    );
    if (removed > 0) this.logger.warn(`Removed ${removed} temporary upload(s) left by a crash`);
    return removed;
  }

  /** Opens a stored upload by its media path (checked by the caller), or null. */
  open(mediaPath: string): Promise<StoredFile | null> {
    return openLocalFile(this.media.pathOf(mediaPath));
  }

  /** Stores the file and returns its media path. Throws UploadRejectedError. */
  async save(file: UploadedFile, target: UploadTarget): Promise<string> {
    const id = randomUUID();
    const probePath = this.media.uploadMediaPath(target.kind, `${id}.png`, target.projectId);
    const folder = dirname(this.media.pathOf(probePath));
    const temporary = temporaryPathFor(join(folder, id));
    await mkdir(folder, { recursive: true });
    try {
      // The limit is signalled by a `limit` event as soon as it is crossed (the body may
      // still be arriving: it is not read further), or, when the parser got there before
      // this listener, by `truncated` once the stream ends.
      const tooLarge = new Promise<never>((_, reject) =>
        file.stream.once('limit', () => reject(new FileTooLarge())),
      );
      await Promise.race([pipeline(file.stream, createWriteStream(temporary)), tooLarge]);
      if ((file.stream as { truncated?: boolean }).truncated) throw new FileTooLarge();
      const extension = await target.inspect(temporary);
      if (extension === null) return file.reject(target.refusal);
      const mediaPath = this.media.uploadMediaPath(
        target.kind,
        `${id}.${extension}`,
        target.projectId,
      );
      await rename(temporary, this.media.pathOf(mediaPath));
      return mediaPath;
    } catch (error) {
      await rm(temporary, { force: true });
      if (error instanceof FileTooLarge) {
        file.stream.destroy();
        return file.reject(describeLimit(file.maxBytes));
      }
      throw error;
    }
  }
}

class FileTooLarge extends Error {}
