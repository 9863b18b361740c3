import { endianness } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { wavHeader } from '../audio/engine/wav';
import { mp3EncoderStream, workerEncoderStream } from '../narration/narration-mp3';
import type { SpeechFormat } from './speech-request';

/** Content types of the formats, as OpenAI answers them. */
export const CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
  flac: 'audio/flac',
};

/** Hand-written ESM, loaded unchanged from `src/` (ts-jest) and `dist/`. */
const FLAC_WORKER = join(__dirname, 'flac-encoder.worker.mjs');

/** 16-bit mono samples as little-endian bytes (no copy on a little-endian machine). */
export function pcmBytes(samples: Int16Array): Buffer {
  if (endianness() === 'LE')
    return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => out.writeInt16LE(sample, i * 2));
  return out;
}

/**
 * A WAV header for a stream whose length is not known when it is sent: RIFF and data sizes
 * 0xFFFFFFFF, the convention of streamed WAV (ffmpeg, sox and browsers read to the end).
 */
export function streamingWavHeader(sampleRate: number): Buffer {
  const header = wavHeader(0, sampleRate);
  header.writeUInt32LE(0xffffffff, 4);
  header.writeUInt32LE(0xffffffff, 40);
  return header;
}

/**
 * The encoder from 16-bit little-endian mono PCM at `sampleRate` to `format`, as a stream:
 * `pcm` as it is, `wav` behind a streaming header, `mp3` by the narration download's LAME
 * encoder (@breezystack/lamejs in a worker thread), `flac` by libflacjs in a worker thread.
 */
export function encoderFor(format: SpeechFormat, sampleRate: number): Transform {
  switch (format) {
    case 'pcm':
      return new PassThrough();
    case 'wav': {
      const stream = new PassThrough();
      stream.write(streamingWavHeader(sampleRate));
      return stream;
    }
    case 'mp3':
      return mp3EncoderStream(sampleRate);
    case 'flac':
      return workerEncoderStream(FLAC_WORKER, { sampleRate });
  }
}
