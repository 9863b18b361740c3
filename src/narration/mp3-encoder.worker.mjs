// @ts-check
/**
 * One MP3 encoding, off the main thread: LAME in pure JavaScript costs about a second of CPU
 * per ten to fifteen seconds of speech, which on the event loop would stall status polls.
 * Hand-written ESM (like the engine's worker) so it loads unchanged from src/ and dist/, and
 * can import @breezystack/lamejs's ESM build.
 *
 * Protocol: workerData `{ sampleRate, kbps }`; each message is an ArrayBuffer of 16-bit mono
 * PCM (an even number of bytes), answered by one message with the MP3 bytes it completed
 * (possibly empty); the message `'end'` is answered with the last frames.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Mp3Encoder } from '@breezystack/lamejs';

const { sampleRate, kbps } = /** @type {{ sampleRate: number, kbps: number }} */ (workerData);
const encoder = new Mp3Encoder(1, sampleRate, kbps);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

port.on('message', (/** @type {ArrayBuffer | 'end'} */ message) => {
  const frames =
    message === 'end' ? encoder.flush() : encoder.encodeBuffer(new Int16Array(message));
  // A copy of exactly the frames' bytes, moved (not copied again) to the main thread.
  const out = frames.slice();
  port.postMessage(out, [out.buffer]);
});
