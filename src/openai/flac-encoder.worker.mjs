// @ts-check
/**
 * One FLAC encoding, off the main thread (libflacjs: libFLAC compiled to JavaScript by
 * emscripten; its asm.js build, since the wasm build fetches its .wasm file by URL, which
 * Node 20 refuses). The protocol of mp3-encoder.worker.mjs (src/narration/): workerData
 * `{ sampleRate }`; each message an ArrayBuffer of 16-bit mono PCM, answered by the FLAC bytes
 * it completed (possibly none); `'end'` answered by the last ones. The stream's length is not
 * known when it starts, so STREAMINFO says 0 samples (unknown), as streamed FLAC does.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const Flac = require('libflacjs')('min');
const { sampleRate } = /** @type {{ sampleRate: number }} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

await new Promise((resolve) => (Flac.isReady() ? resolve(undefined) : (Flac.onready = resolve)));
// Mono, 16 bits, compression level 5 (flac's default), length unknown, no verify.
const encoder = Flac.create_libflac_encoder(sampleRate, 1, 16, 5, 0, false, 0);
/** @type {Uint8Array[]} */
let written = [];
const status = Flac.init_encoder_stream(
  encoder,
  (/** @type {Uint8Array} */ data) => written.push(Uint8Array.from(data)),
  () => undefined,
);
if (status !== 0) throw new Error(`FLAC encoder init failed (status ${status})`);

port.on('message', (/** @type {ArrayBuffer | 'end'} */ message) => {
  if (message === 'end') {
    Flac.FLAC__stream_encoder_finish(encoder);
    Flac.FLAC__stream_encoder_delete(encoder);
  } else {
    const pcm = new Int16Array(message);
    if (!Flac.FLAC__stream_encoder_process_interleaved(encoder, Int32Array.from(pcm), pcm.length)) {
      throw new Error('FLAC encoding failed');
    }
  }
  const out = new Uint8Array(written.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of written) {
    out.set(part, at);
    at += part.length;
  }
  written = [];
  port.postMessage(out, [out.buffer]);
});
