import { close, fsync, open as openFile, rename as renameFile, writev } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import {
  parseSegmentWords,
  SegmentWords,
  serializeSegmentWords,
} from '../../common/speech/word-boundary';
import { findChunk, parseWavHeader, riffChunk, withChunkAppended } from '../engine/wav';
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
   * One file per segment: the word boundaries ride in the WAV itself, as a RIFF chunk
   * (`WORDS_CHUNK`) after the samples, so a segment costs one atomic write (temporary name,
   * flushed to disk, renamed into place) instead of two (measured on this disk with 1,000
   * one-word segments, 16 at a time: ~1.7–2.2 ms of process CPU per segment for the WAV and
   * its side file, ~0.7–0.9 ms for the WAV alone; docs/PERFORMANCE.md). The boundaries are
   * then as durable as the WAV and can never disagree with it. Bytes that are not one plain
   * RIFF file get their boundaries in the side file next to them, as before; so does no WAV
   * with none (an older side file is removed). Throws on failure.
   */
  async write(
    projectId: string,
    segmentId: string,
    wav: Buffer,
    words?: SegmentWords,
  ): Promise<void> {
    const wordsPath = this.media.audioWordsPath(projectId, segmentId);
    const audioPath = this.media.audioPath(projectId, segmentId);
    const inside =
      words &&
      withChunkAppended(wav, riffChunk(WORDS_CHUNK, Buffer.from(serializeSegmentWords(words))));
    const both = (): Promise<unknown> =>
      inside
        ? writeAtomically(audioPath, inside, true)
        : Promise.all([
            words
              ? writeAtomically(wordsPath, [Buffer.from(serializeSegmentWords(words))], false)
              : rm(wordsPath, { force: true }),
            writeAtomically(audioPath, [wav], true),
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

  /**
   * The boundaries in the WAV's `WORDS_CHUNK`; for a WAV without one (written by an older
   * version, or not a plain RIFF file), the side file next to it.
   */
  async readWords(projectId: string, segmentId: string): Promise<SegmentWords | null> {
    const inside = await readWordsChunk(this.media.audioPath(projectId, segmentId));
    if (inside !== null) return parseSegmentWords(inside.toString('utf8'));
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

/** RIFF id of the chunk that holds a segment's word boundaries (`serializeSegmentWords`). */
const WORDS_CHUNK = 'sfwb';

/** Enough for any WAV header this service writes (`parseWavHeader` reads it from here). */
const HEADER_PROBE_BYTES = 4096;

/** The body of a WAV's `WORDS_CHUNK`; null when the file, or the chunk, is not there. */
async function readWordsChunk(path: string): Promise<Buffer | null> {
  const file = await open(path, 'r').catch(() => null);
  if (!file) return null;
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    await file.read(head, 0, head.length, 0);
    const wav = parseWavHeader(head, size);
    const after = wav.dataOffset + wav.dataBytes + (wav.dataBytes % 2);
    if (after >= size) return null;
    const tail = Buffer.alloc(size - after);
    const { bytesRead } = await file.read(tail, 0, tail.length, after);
    return findChunk(tail.subarray(0, bytesRead), WORDS_CHUNK);
  } catch {
    return null; // not a WAV this service wrote
  } finally {
    await file.close();
  }
}

/**
 * Writes `parts`, one after the other, to a temporary name next to `target`, flushes it to
 * disk when `flush`, and renames it into place. Node's callback API, one call per step:
 * fewer promises and allocations on the event loop than `fs/promises` for the same system
 * calls, and `writev` writes the pieces without joining them.
 */
function writeAtomically(target: string, parts: Buffer[], flush: boolean): Promise<void> {
  const temp = temporaryPathFor(target);
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error, fd?: number) => {
      const cleanUp = () =>
        rm(temp, { force: true })
          .catch(() => undefined)
          .then(() => reject(error));
      if (fd === undefined) void cleanUp();
      else close(fd, () => void cleanUp());
    };
    openFile(temp, 'w', (openError, fd) => {
      if (openError) return fail(openError);
      const written = (pieces: Buffer[], position: number) =>
        writev(fd, pieces, position, (writeError, bytes) => {
          if (writeError) return fail(writeError, fd);
          const rest = remainder(pieces, bytes);
          if (rest.length > 0) return written(rest, position + bytes);
          if (!flush) return closed();
          fsync(fd, (syncError) => (syncError ? fail(syncError, fd) : closed()));
        });
      const closed = () =>
        close(fd, (closeError) => {
          if (closeError) return fail(closeError);
          renameFile(temp, target, (renameError) => (renameError ? fail(renameError) : resolve()));
        });
      written(parts, 0);
    });
  });
}

/** The pieces left to write once `bytes` of `pieces` are written (a short `writev`). */
function remainder(pieces: Buffer[], bytes: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = bytes;
  for (const piece of pieces) {
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    rest.push(skip > 0 ? piece.subarray(skip) : piece);
    skip = 0;
  }
  return rest;
}
