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

/** @typedef {{ samples: Int16Array, sampleRate: number, words?: unknown[] }} SynthesisOutput */

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
    return this.words === undefined
      ? { samples: this.samples, sampleRate: this.sampleRate }
      : { samples: this.samples, sampleRate: this.sampleRate, words: this.words };
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
