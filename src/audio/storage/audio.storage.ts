import type { SegmentWords } from '../../common/speech/word-boundary';
import type { StoredFile } from '../../media/stored-file';

/**
 * Port: where segment audio lives. Writes are atomic (a reader never sees half a file at a
 * segment's path), so a crash leaves either the old audio or the new. The local-disk adapter
 * is `LocalAudioStorage`; a shared store (object storage, a shared mount) implements the same.
 * `audio-storage.contract.ts` is the suite every adapter passes.
 */
export abstract class AudioStorage {
  /**
   * Stores a segment's WAV, and its word boundaries when the engine reported them (else
   * removes older ones), replacing what was there. Throws on failure, leaving the old audio.
   */
  abstract write(
    projectId: string,
    segmentId: string,
    wav: Buffer,
    words?: SegmentWords,
  ): Promise<void>;

  /**
   * Opens a segment's WAV for reading (`/media/` and the narration export read the audio
   * through this), or null when there is none. The reader keeps the bytes it opened even if a
   * write replaces them.
   */
  abstract open(projectId: string, segmentId: string): Promise<StoredFile | null>;

  /**
   * The word boundaries stored with a segment's WAV, or null when there are none or they
   * cannot be read. They may belong to an older WAV: the reader checks their text and sample
   * count against the WAV it pairs them with.
   */
  abstract readWords(projectId: string, segmentId: string): Promise<SegmentWords | null>;

  /** Removes a segment's audio (when its segment vanished while it was being written). */
  abstract remove(projectId: string, segmentId: string): Promise<void>;

  /** The URL path the audio is served at (`/media/...`), as the API reports it. */
  abstract urlPath(projectId: string, segmentId: string): string;

  /**
   * Deletes temporary files a crash left behind; returns how many. With `segment`, only that
   * segment's (a worker re-running a segment whose previous worker died mid-write), which is
   * safe while other segments are being written.
   */
  abstract removeTemporaryFiles(segment?: {
    projectId: string;
    segmentId: string;
  }): Promise<number>;
}
