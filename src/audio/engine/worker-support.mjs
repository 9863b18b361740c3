// @ts-check
/**
 * What every TTS worker file shares (`espeak.worker.mjs`, `onnx.worker.mjs`): the thread's
 * priority, the transferable result, and the test hooks. Plain ESM, loaded unchanged from
 * `src/` and `dist/` like the workers.
 */
import { setPriority } from 'node:os';
import { transferableSymbol, valueSymbol } from 'piscina';

/**
 * Nice value of a synthesis thread. With TTS_WORKERS = cores (the default) the workers alone
 * keep every core busy, and the kernel then preempts the main thread for whole time slices:
 * the event loop stalls and status polls wait (measured on 2 cores, polled 1000/s during a
 * 200-segment batch: event-loop delay p99 30 ms → 11–13 ms, poll p99 65–71 ms → 35–44 ms,
 * same synthesis throughput; see docs/PERFORMANCE.md). On Linux the nice value is per
 * thread, so this lowers only the synthesis threads; elsewhere it would apply to the whole
 * process, so it is left alone there.
 */
const WORKER_NICE = 10;

/** Lowers the calling worker thread's priority (Linux only; see WORKER_NICE). */
export function lowerThreadPriority() {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, WORKER_NICE);
  } catch {
    // Not permitted here (a sandbox): the thread keeps the default priority.
  }
}

/** @typedef {{ samples: Int16Array, sampleRate: number, words?: unknown[], headerRoom?: true }} SynthesisOutput */

/** Bytes of a canonical WAV header (`wav.ts`): the room left in front of the samples. */
export const WAV_HEADER_BYTES = 44;

/**
 * Samples to fill, in a buffer that keeps the first WAV_HEADER_BYTES free: the main thread
 * writes the WAV header there and has the whole file without copying the samples
 * (`wavOf` in wav.ts), one 200 KB allocation and copy less per segment on the event loop.
 * @param {number} count @returns {Int16Array}
 */
export function samplesWithHeaderRoom(count) {
  return new Int16Array(new ArrayBuffer(WAV_HEADER_BYTES + 2 * count), WAV_HEADER_BYTES, count);
}

/**
 * Piscina's Transferable protocol: the result value keeps the sample rate (and the word
 * boundaries, when the engine has them) next to the samples while the samples' buffer is
 * moved to the main thread instead of copied.
 */
export class SynthesisTransfer {
  /** @param {Int16Array} samples @param {number} sampleRate @param {unknown[]} [words] */
  constructor(samples, sampleRate, words) {
    this.samples = samples;
    this.sampleRate = sampleRate;
    this.words = words;
  }
  get [transferableSymbol]() {
    return this.samples.buffer;
  }
  /** @returns {SynthesisOutput} */
  get [valueSymbol]() {
    /** @type {SynthesisOutput} */
    const out = { samples: this.samples, sampleRate: this.sampleRate };
    if (this.words !== undefined) out.words = this.words;
    // The samples' own buffer, with exactly the header's room in front (see above).
    if (
      this.samples.byteOffset === WAV_HEADER_BYTES &&
      this.samples.buffer.byteLength === WAV_HEADER_BYTES + this.samples.byteLength
    ) {
      out.headerRoom = true;
    }
    return out;
  }
}

/** Slots of the shared Int32Array a synthesis task carries (see `WorkerPoolTtsEngine`). */
const CANCEL = 0; // set to 1 by the main thread to stop the task
const STARTED = 1; // set to 1 here when the task is picked up

/** Whether the main thread asked this task to stop. @param {Int32Array} [cancelFlag] */
export function isCancelled(cancelFlag) {
  return cancelFlag !== undefined && Atomics.load(cancelFlag, CANCEL) !== 0;
}

/**
 * What every synthesis task does first: marks itself started BEFORE reading the cancel flag
 * (together with the main thread's "set cancel, then read started" this guarantees that a
 * task cancelled while queued is rejected by the main thread, or stopped here, or both;
 * never neither), then runs the test hooks when they are on.
 * @param {string} text @param {Int32Array} [cancelFlag] @returns {Promise<void>}
 */
export async function beginSynthesis(text, cancelFlag) {
  if (cancelFlag) {
    Atomics.store(cancelFlag, STARTED, 1);
    if (isCancelled(cancelFlag)) throw new Error('Synthesis aborted before it started');
  }
  if (TEST_HOOKS) await runTestHook(text);
}

/**
 * Holds a worker that took a warm-up task until every worker has taken one (or `timeoutMs`
 * passed), so that no worker takes two of them and leaves a sibling cold for the first
 * real request. `barrier` is a SharedArrayBuffer-backed counter shared by the warm-ups.
 * @param {Int32Array | undefined} barrier @param {number} parties @param {number} timeoutMs
 */
export function awaitWarmupBarrier(barrier, parties, timeoutMs) {
  if (!barrier) return;
  Atomics.add(barrier, 0, 1);
  Atomics.notify(barrier, 0);
  const deadline = Date.now() + timeoutMs;
  let arrived;
  while ((arrived = Atomics.load(barrier, 0)) < parties && Date.now() < deadline) {
    Atomics.wait(barrier, 0, arrived, deadline - Date.now());
  }
}

/** Whether the test hooks below are on: ONLY when `STORYFLOW_TEST_HOOKS=1`. */
export const TEST_HOOKS = process.env.STORYFLOW_TEST_HOOKS === '1';

/**
 * Test hooks, so that tests can prove a dying worker fails only its own task:
 * text `'\uE000__crash__'` exits the worker thread mid-task (`process.exit(70)`);
 * text `'\uE000__throw__'` kills it with an uncaught exception.
 * @param {string} text @returns {Promise<void> | void}
 */
export function runTestHook(text) {
  if (text === '\uE000__crash__') process.exit(70);
  if (text === '\uE000__throw__') {
    // Thrown outside the task's promise chain, so it is a real uncaught exception.
    setImmediate(() => {
      throw new Error('test hook: uncaught exception in TTS worker');
    });
    // Never settles: the worker dies first.
    return new Promise(() => {});
  }
}
