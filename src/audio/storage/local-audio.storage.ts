import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import {
  parseSegmentWords,
  SegmentWords,
  serializeSegmentWords,
} from '../../common/speech/word-boundary';
import { MediaLayout } from '../../media/media-layout';
import { openLocalFile, type StoredFile } from '../../media/stored-file';
import { removeTemporaryFiles, temporaryPathFor } from '../../media/temporary-files';
import { AudioStorage } from './audio.storage';

/**
 * The audio storage on local disk (under `DATA_DIR/media`, served at `/media/`): a reader
 * never sees half a file, because the bytes go to a temporary name in the same folder, are
 * flushed, then renamed into place (atomic on one file system). The paths come from
 * MediaLayout. A folder every node mounts makes it shared.
 */
@Injectable()
export class LocalAudioStorage extends AudioStorage {
  private readonly logger = new Logger(LocalAudioStorage.name);
  /** Audio folders made by this process (one mkdir per project, not one per segment). */
  private readonly folders = new Set<string>();

  constructor(private readonly media: MediaLayout) {
    super();
  }

  /**
   * The WAV and its boundaries are written side by side, each by atomic rename; a reader pairs
   * them only when their text and sample count match the WAV, so the two files never disagree
   * unnoticed whichever step a crash stops. Only the WAV is flushed to disk before its rename
   * (its record in the database may outlive a power cut); boundaries lost to one are ignored
   * by that same check. Throws on failure.
   */
  async write(
    projectId: string,
    segmentId: string,
    wav: Buffer,
    words?: SegmentWords,
  ): Promise<void> {
    const wordsPath = this.media.audioWordsPath(projectId, segmentId);
    const audioPath = this.media.audioPath(projectId, segmentId);
    const both = () =>
      Promise.all([
        words
          ? writeAtomically(wordsPath, serializeSegmentWords(words), false)
          : rm(wordsPath, { force: true }),
        writeAtomically(audioPath, wav, true),
      ]);
    const dir = dirname(audioPath);
    if (!this.folders.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.folders.add(dir);
    }
    try {
      await both();
    } catch (error) {
      // The folder went away since (its project was deleted): as before, made again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dir, { recursive: true });
      await both();
    }
  }

  async open(projectId: string, segmentId: string): Promise<StoredFile | null> {
    return openLocalFile(this.media.audioPath(projectId, segmentId));
  }

  async readWords(projectId: string, segmentId: string): Promise<SegmentWords | null> {
    const path = this.media.audioWordsPath(projectId, segmentId);
    const json = await readFile(path, 'utf8').catch(() => null);
    return json === null ? null : parseSegmentWords(json);
  }

  async remove(projectId: string, segmentId: string): Promise<void> {
    await this.media.removeAudio(projectId, segmentId);
  }

  urlPath(projectId: string, segmentId: string): string {
    return this.media.audioUrlPath(projectId, segmentId);
  }

  async removeTemporaryFiles(segment?: { projectId: string; segmentId: string }): Promise<number> {
    if (segment) {
      const audioPath = this.media.audioPath(segment.projectId, segment.segmentId);
      const wordsPath = this.media.audioWordsPath(segment.projectId, segment.segmentId);
      return removeTemporaryFiles([dirname(audioPath)], [basename(audioPath), basename(wordsPath)]);
    }
    const removed = await removeTemporaryFiles(
      await this.media.projectFolders('audio'),
      undefined,
      this.media.temporaryFileGraceMs,
    );
    if (removed > 0) this.logger.warn(`Removed ${removed} temporary WAV file(s) left by a crash`);
    return removed;
  }
}

async function writeAtomically(
  target: string,
  data: Buffer | string,
  flush: boolean,
): Promise<void> {
  const temp = temporaryPathFor(target);
  try {
    await writeFile(temp, data, { flush });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
