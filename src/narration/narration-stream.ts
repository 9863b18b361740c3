import { Readable } from 'node:stream';
import { WAV_HEADER_BYTES, wavHeader } from '../audio/engine/wav';
import type { StoredFile } from '../media/stored-file';
import type { NarrationTimeline } from './narration-timeline';

/** Where a part's samples are: a WAV opened when its turn comes (null when it is gone). */
export interface PartSource {
  open(): Promise<StoredFile | null>;
  /** Byte offset of the part's first sample in the file. */
  dataOffset: number;
}

/** A run of bytes of the narration: read from `[from, to)` of the piece. */
interface Piece {
  length: number;
  read(from: number, to: number): AsyncIterable<Buffer>;
}

/** Shared, never written: gaps are slices of it. */
const ZEROS = Buffer.alloc(64 * 1024);

/** Size in bytes of the narration WAV of a timeline. */
export function narrationByteLength(timeline: NarrationTimeline): number {
  return WAV_HEADER_BYTES + timeline.totalSamples * 2;
}

/**
 * Bytes `start..end` (inclusive) of the narration WAV, assembled while it is read: the
 * header, then each part's samples streamed from its file and the gaps as zeros. At most
 * one file is open at a time and nothing is buffered beyond the stream's high-water mark,
 * so memory stays flat whatever the story's length. Each file region yields exactly the
 * bytes the timeline promised (a file replaced meanwhile is cut or padded with silence),
 * so the Content-Length computed from the timeline is never a lie.
 */
export function narrationStream(
  timeline: NarrationTimeline,
  sources: ReadonlyMap<string, PartSource>,
  start = 0,
  end = narrationByteLength(timeline) - 1,
): Readable {
  const pieces: Piece[] = [bufferPiece(wavHeader(timeline.totalSamples * 2, timeline.sampleRate))];
  timeline.parts.forEach((part, i) => {
    if (i > 0 && timeline.gapSamples > 0) pieces.push(silencePiece(timeline.gapSamples * 2));
    const source = sources.get(part.segmentId);
    if (!source) throw new Error(`No audio source for segment ${part.segmentId}`);
    pieces.push(filePiece(source, part.sampleCount * 2));
  });
  return Readable.from(slice(pieces, start, end + 1), { objectMode: false });
}

async function* slice(pieces: Piece[], start: number, endExclusive: number) {
  let position = 0;
  for (const piece of pieces) {
    const pieceEnd = position + piece.length;
    if (pieceEnd > start && position < endExclusive) {
      yield* piece.read(
        Math.max(start, position) - position,
        Math.min(endExclusive, pieceEnd) - position,
      );
    }
    position = pieceEnd;
    if (position >= endExclusive) return;
  }
}

function bufferPiece(bytes: Buffer): Piece {
  return {
    length: bytes.length,
    async *read(from, to) {
      yield bytes.subarray(from, to);
    },
  };
}

function silencePiece(length: number): Piece {
  return { length, read: (from, to) => zeros(to - from) };
}

async function* zeros(count: number): AsyncGenerator<Buffer> {
  for (let left = count; left > 0; left -= ZEROS.length) {
    yield ZEROS.subarray(0, Math.min(left, ZEROS.length));
  }
}

function filePiece(source: PartSource, length: number): Piece {
  return {
    length,
    async *read(from, to) {
      let sent = 0;
      const wanted = to - from;
      // Removed or replaced after the plan was made: the listener hears silence instead of
      // a broken download, and the promised length holds.
      const file = await source.open();
      const start = source.dataOffset + from;
      if (file && start >= file.size) await file.close();
      else if (file) {
        const end = Math.min(source.dataOffset + to, file.size) - 1;
        for await (const chunk of file.stream({ start, end }) as AsyncIterable<Buffer>) {
          const part = chunk.subarray(0, wanted - sent);
          sent += part.length;
          yield part;
        }
      }
      if (sent < wanted) yield* zeros(wanted - sent);
    },
  };
}
