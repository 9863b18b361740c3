import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Bytes `start..end` of a file, both included (as a Range header names them). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A stored file opened for reading. Its size and modification time are those of the bytes it
 * streams: a write that replaces the file after `open` (an atomic rename) does not change
 * what this reader sends, so a Content-Length computed from `size` is never a lie. Exactly
 * one of `stream` or `close` must be called, once.
 */
export interface StoredFile {
  readonly size: number;
  readonly modified: Date;
  /** The bytes (all of them, or `range`), streamed: never held in memory whole. */
  stream(range?: ByteRange): Readable;
  /** Releases the file without reading it (HEAD, 304, 416...). */
  close(): Promise<void>;
}

/** What a missing path looks like on a local file system. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR']);

/**
 * Opens a regular file on local disk, or null when there is none at `path` (a directory is
 * none). The descriptor pins the inode: the size, the time and the bytes agree.
 */
export async function openLocalFile(path: string): Promise<StoredFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (MISSING.has((error as NodeJS.ErrnoException).code ?? '')) return null;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    return {
      size: stats.size,
      modified: stats.mtime,
      // The stream closes the descriptor when it ends or is destroyed (a client gone away).
      stream: (range) => handle.createReadStream({ start: range?.start, end: range?.end }),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
