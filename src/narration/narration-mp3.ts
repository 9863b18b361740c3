import { join } from 'node:path';
import { Transform } from 'node:stream';
import { Worker } from 'node:worker_threads';

/** Bit rate of the MP3 download: constant, plenty for one voice at eSpeak's 22,050 Hz. */
export const MP3_KBPS = 64;

/** Hand-written ESM so it loads unchanged from `src/` (ts-jest, ts-node) and `dist/`. */
const WORKER_FILE = join(__dirname, 'mp3-encoder.worker.mjs');

/**
 * A stream that turns 16-bit mono little-endian PCM (any chunking, even odd byte counts) into
 * a constant-bit-rate MP3, encoded by @breezystack/lamejs in a worker thread of its own. One
 * chunk is in the worker at a time, so the stream's backpressure holds and memory stays one
 * chunk deep; the worker ends with the stream (or is terminated when it is destroyed).
 */
export function mp3EncoderStream(sampleRate: number): Transform {
  return workerEncoderStream(WORKER_FILE, { sampleRate, kbps: MP3_KBPS });
}

/**
 * The stream of `mp3EncoderStream` around any encoder worker with the same protocol (see
 * mp3-encoder.worker.mjs): each message an ArrayBuffer of 16-bit PCM answered by the bytes it
 * completed, `'end'` answered by the last ones. The FLAC encoder of `/v1/audio/speech` uses it.
 */
export function workerEncoderStream(workerFile: string, workerData: unknown): Transform {
  const worker = new Worker(workerFile, { workerData });
  let pending: ((error: Error | null, frames?: Buffer) => void) | null = null;
  worker.on('message', (frames: Uint8Array) => {
    const answer = pending;
    pending = null;
    answer?.(null, Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength));
  });
  worker.on('error', (error) => {
    const answer = pending;
    pending = null;
    if (answer) answer(error);
    else stream.destroy(error);
  });
  const ask = (
    message: ArrayBuffer | 'end',
    done: (error?: Error | null, data?: Buffer) => void,
  ) => {
    pending = (error, frames) => done(error, frames && frames.length > 0 ? frames : undefined);
    worker.postMessage(message, message === 'end' ? [] : [message]);
  };

  let carry: Buffer | null = null;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const bytes: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const even = bytes.length - (bytes.length % 2);
      carry = even < bytes.length ? Buffer.from(bytes.subarray(even)) : null;
      // A fresh, aligned copy, moved to the worker.
      const samples = new ArrayBuffer(even);
      Buffer.from(samples).set(bytes.subarray(0, even));
      ask(samples, done);
    },
    flush(done) {
      ask('end', (error, frames) => {
        void worker.terminate();
        done(error, frames);
      });
    },
    destroy(error, done) {
      void worker.terminate();
      done(error);
    },
  });
  return stream;
}
