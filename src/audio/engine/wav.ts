import { endianness } from 'node:os';

/** What `parseWavHeader` reads from a WAV file. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Size of the PCM payload (the `data` chunk) in bytes. */
  dataBytes: number;
  /** Byte offset of the PCM payload in the file. */
  dataOffset: number;
  durationSeconds: number;
}

const HEADER_BYTES = 44;

/** Duration in seconds of mono samples at `sampleRate`. */
export function durationOf(samples: Int16Array, sampleRate: number): number {
  return samples.length / sampleRate;
}

/** Size of the header `encodeWav` and `wavHeader` write. */
export const WAV_HEADER_BYTES = HEADER_BYTES;

/** The canonical 44-byte header of a PCM, 16-bit, mono WAV holding `dataBytes` of samples. */
export function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  return out;
}

/** A canonical 44-byte-header WAV file: PCM, 16-bit, mono, little endian. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  wavHeader(dataBytes, sampleRate).copy(out, 0);
  if (endianness() === 'LE') {
    // Samples are already in WAV byte order: one memcpy instead of a loop.
    Buffer.from(samples.buffer, samples.byteOffset, dataBytes).copy(out, HEADER_BYTES);
  } else {
    samples.forEach((sample, i) => out.writeInt16LE(sample, HEADER_BYTES + i * 2));
  }
  return out;
}

/**
 * A synthesis result as a WAV file. When its engine left room for the header in front of the
 * samples (`headerRoom`), the header is written there and the file is the samples' own buffer:
 * no allocation and no copy of the samples on the event loop. Otherwise `encodeWav`.
 */
export function wavOf(result: {
  samples: Int16Array;
  sampleRate: number;
  headerRoom?: boolean;
}): Buffer {
  const { samples, sampleRate } = result;
  if (
    result.headerRoom === true &&
    endianness() === 'LE' &&
    samples.byteOffset === HEADER_BYTES &&
    samples.buffer.byteLength === HEADER_BYTES + samples.byteLength
  ) {
    const out = Buffer.from(samples.buffer, 0, HEADER_BYTES + samples.byteLength);
    wavHeader(samples.byteLength, sampleRate).copy(out, 0);
    return out;
  }
  return encodeWav(samples, sampleRate);
}

/**
 * Reads and validates a PCM WAV header (chunks other than `fmt ` and `data` are skipped).
 * `buf` is the whole file, or its first bytes when `fileSize` gives the whole file's size
 * (enough to read the header of a long file without loading its samples).
 * @throws Error when the file is not RIFF/WAVE PCM, or is truncated (the header or the
 *   `data` chunk promises more bytes than the file holds).
 */
export function parseWavHeader(buf: Buffer, fileSize = buf.length): WavInfo {
  if (
    buf.length < 12 ||
    buf.toString('ascii', 0, 4) !== 'RIFF' ||
    buf.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new Error('Not a RIFF/WAVE file');
  }
  if (buf.readUInt32LE(4) + 8 > fileSize)
    throw new Error('Truncated WAV: RIFF size exceeds the file');

  let fmt: Omit<WavInfo, 'dataBytes' | 'dataOffset' | 'durationSeconds'> | undefined;
  for (let offset = 12; offset + 8 <= buf.length;) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (body + size > fileSize) throw new Error(`Truncated WAV: "${id}" chunk exceeds the file`);
    if (id === 'fmt ') {
      if (size < 16) throw new Error('Malformed WAV: fmt chunk too short');
      const format = buf.readUInt16LE(body);
      fmt = {
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
      const blockAlign = (fmt.channels * fmt.bitsPerSample) / 8;
      if (
        format !== 1 ||
        fmt.channels < 1 ||
        fmt.sampleRate < 1 ||
        fmt.bitsPerSample % 8 !== 0 ||
        fmt.bitsPerSample < 8 ||
        buf.readUInt16LE(body + 12) !== blockAlign ||
        buf.readUInt32LE(body + 8) !== fmt.sampleRate * blockAlign
      ) {
        throw new Error('Malformed WAV: not a consistent PCM format');
      }
    } else if (id === 'data') {
      if (!fmt) throw new Error('Malformed WAV: data chunk before fmt chunk');
      const bytesPerSecond = (fmt.sampleRate * fmt.channels * fmt.bitsPerSample) / 8;
      return {
        ...fmt,
        dataBytes: size,
        dataOffset: body,
        durationSeconds: size / bytesPerSecond,
      };
    }
    offset = body + size + (size % 2); // chunks are padded to an even size
  }
  throw new Error('Truncated WAV: no data chunk');
}

/**
 * A RIFF chunk: 4-character id, little-endian size, body, and the pad byte that keeps the next
 * chunk at an even offset.
 */
export function riffChunk(id: string, body: Buffer): Buffer {
  if (Buffer.byteLength(id, 'ascii') !== 4)
    throw new Error(`A RIFF chunk id has 4 characters: "${id}"`);
  const out = Buffer.alloc(8 + body.length + (body.length % 2));
  out.write(id, 0, 'ascii');
  out.writeUInt32LE(body.length, 4);
  body.copy(out, 8);
  return out;
}

/**
 * The pieces of `wav` with `chunk` (from `riffChunk`) appended after its last chunk, to be
 * written one after the other: `wav` itself, its RIFF size patched in place to cover the
 * chunk (no copy of the samples), then the chunk. Null when `wav` is not exactly one RIFF/WAVE
 * file (its RIFF size does not match its length), so that nothing is appended to bytes this
 * module did not write. Decoders skip chunks they do not know.
 */
export function withChunkAppended(wav: Buffer, chunk: Buffer): Buffer[] | null {
  if (
    wav.length < 12 ||
    wav.toString('ascii', 0, 4) !== 'RIFF' ||
    wav.toString('ascii', 8, 12) !== 'WAVE' ||
    wav.readUInt32LE(4) + 8 !== wav.length
  ) {
    return null;
  }
  const pad = wav.length % 2 === 1 ? Buffer.alloc(1) : null;
  wav.writeUInt32LE(wav.length - 8 + (pad?.length ?? 0) + chunk.length, 4);
  return pad ? [wav, pad, chunk] : [wav, chunk];
}

/**
 * The body of the first chunk called `id` in `buf`, which holds whole chunks one after the
 * other (a WAV's bytes after its `data` chunk); null when there is none or it is cut short.
 */
export function findChunk(buf: Buffer, id: string): Buffer | null {
  for (let offset = 0; offset + 8 <= buf.length;) {
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (body + size > buf.length) return null;
    if (buf.toString('ascii', offset, offset + 4) === id) return buf.subarray(body, body + size);
    offset = body + size + (size % 2);
  }
  return null;
}
