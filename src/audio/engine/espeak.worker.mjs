// @ts-check
/**
 * Piscina worker that runs eSpeak-NG (WebAssembly) off the main thread.
 *
 * Plain ESM JavaScript on purpose: the same file is loaded by ts-jest, ts-node and the
 * compiled `dist/` build (nest-cli copies `*.mjs` assets), and `@echogarden/espeak-ng-emscripten`
 * is ESM-only. `EspeakTtsEngine` is its only caller; the task shapes below are its contract.
 *
 * Test hooks, honoured ONLY when `process.env.STORYFLOW_TEST_HOOKS === '1'`:
 * - text `'\uE000__crash__'`: the worker thread calls `process.exit(70)` mid-task;
 * - text `'\uE000__throw__'`: an uncaught exception kills the worker thread mid-task.
 * They let tests prove that a dying worker fails only its own task.
 */
// @ts-expect-error -- the package ships no type declarations (ESM-only Emscripten build, GPL-3.0)
import Module from '@echogarden/espeak-ng-emscripten';
import { move } from 'piscina';
import {
  awaitWarmupBarrier,
  beginSynthesis,
  isCancelled,
  lowerThreadPriority,
  samplesWithHeaderRoom,
  SynthesisTransfer,
} from './worker-support.mjs';

lowerThreadPriority();

/** Throttle progress messages: at most one every 100 ms (~10 per second). */
const PROGRESS_INTERVAL_MS = 100;

/** How long a warmup task waits for its sibling workers before giving up on the barrier. */
const WARMUP_BARRIER_TIMEOUT_MS = 10_000;

const WARMUP_TEXT =
  'The speech engine is warming up. It reads a few ordinary sentences, with numbers like 42 ' +
  'and 1999, some punctuation, and questions? So that the first story a listener asks for is ' +
  'spoken without waiting, every worker practises once before the service opens its doors.';

/**
 * @typedef {object} SynthesisTask
 * @property {string} text
 * @property {string} voice eSpeak voice name, e.g. 'en-us+f3'
 * @property {number} rate words per minute (80–450)
 * @property {import('node:worker_threads').MessagePort} [progressPort] receives fractions 0..1
 * @property {Int32Array} [cancelFlag] SharedArrayBuffer-backed (see `beginSynthesis`)
 *
 * @typedef {object} WarmupTask
 * @property {true} warmup
 * @property {Int32Array} [barrier] SharedArrayBuffer-backed counter so each worker takes one warmup
 * @property {number} [parties] number of workers the barrier waits for
 *
 * @typedef {{ sample: number, textStart: number, textLength: number, sentenceStart: boolean }} WordBoundary
 * @typedef {{ samples: Int16Array, sampleRate: number, words: WordBoundary[] }} SynthesisOutput
 * @typedef {{ sampleRate: number, voices: { name: string, identifier: string }[] }} WarmupOutput
 */

/**
 * The engine of this worker thread, created on first use and kept for the thread's life:
 * initialising the WASM module costs ~130 ms, far too much to pay per segment.
 * @type {Promise<any> | null}
 */
let engine = null;

function getEngine() {
  engine ??= Module().then((/** @type {any} */ m) => new m.eSpeakNGWorker());
  return engine;
}

/**
 * @param {SynthesisTask | WarmupTask} task
 * @returns {Promise<unknown>} a `WarmupOutput`, or a movable wrapper that piscina unwraps
 *   into a `SynthesisOutput` on the main thread
 */
export default async function run(task) {
  if ('warmup' in task) return warmup(task);
  return synthesize(task);
}

/** @param {WarmupTask} task @returns {Promise<WarmupOutput>} */
async function warmup({ barrier, parties = 1 }) {
  const w = await getEngine();
  // A paragraph's worth of speech gets V8 to optimise eSpeak's hot WASM paths: measured
  // here, the first real paragraph then takes ~200 ms instead of ~500 ms (a single short
  // sentence did not help). Costs ~0.5 s per worker, in parallel, at start.
  w.set_voice('en-us');
  w.synthesize(WARMUP_TEXT, () => false);
  awaitWarmupBarrier(barrier, parties, WARMUP_BARRIER_TIMEOUT_MS);
  /** @type {{ name: string, identifier: string }[]} */
  const voices = w
    .list_voices()
    .map((/** @type {any} */ v) => ({ name: v.name, identifier: v.identifier }));
  return { sampleRate: w.get_samplerate(), voices };
}

/** @param {SynthesisTask} task */
async function synthesize({ text, voice, rate, progressPort, cancelFlag }) {
  try {
    await beginSynthesis(text, cancelFlag);

    const w = await getEngine();
    const status = w.set_voice(voice);
    // eSpeak silently keeps the previous voice on failure; a wrong voice must not pass unnoticed.
    if (status !== 0) throw new Error(`Unknown engine voice "${voice}" (eSpeak status ${status})`);
    w.set_rate(rate);

    /** @type {Int16Array[]} */
    const chunks = [];
    let total = 0;
    let aborted = false;
    let lastProgressAt = 0;
    const sampleRate = w.get_samplerate();
    const words = new WordRecorder(text, sampleRate);
    try {
      w.synthesize(text, (/** @type {Int16Array} */ samples, /** @type {any[]} */ events) => {
        if (isCancelled(cancelFlag)) {
          aborted = true;
          return true; // tells eSpeak to stop; the engine stays usable for the next task
        }
        words.add(events);
        // The chunk is a view into the WASM heap, reused by the next callback: copy it.
        chunks.push(samples.slice());
        total += samples.length;
        if (progressPort && Date.now() - lastProgressAt >= PROGRESS_INTERVAL_MS) {
          const fraction = wordProgress(events, text.length);
          if (fraction !== null) {
            lastProgressAt = Date.now();
            progressPort.postMessage(fraction);
          }
        }
        return false;
      });
    } catch (error) {
      // A WASM trap may leave the module's memory inconsistent: start afresh next time.
      engine = null;
      throw error;
    }
    if (aborted) throw new Error('Synthesis aborted');

    const samples = samplesWithHeaderRoom(total);
    let offset = 0;
    for (const chunk of chunks) {
      samples.set(chunk, offset);
      offset += chunk.length;
    }
    return move(new SynthesisTransfer(samples, sampleRate, words.boundaries(total)));
  } finally {
    progressPort?.close();
  }
}

/**
 * Word boundaries from eSpeak's events: a 'word' event gives the word's place in the text
 * (`text_position`, 1-based, in code points; `word_length` in code points) and in the audio
 * (`audio_position`, milliseconds from the start); a 'sentence' event at the same text position
 * comes just before the first word of each sentence. Positions are turned into UTF-16 offsets
 * (what JavaScript strings index) and sample indexes.
 */
class WordRecorder {
  /** @param {string} text @param {number} sampleRate */
  constructor(text, sampleRate) {
    this.sampleRate = sampleRate;
    /** UTF-16 offset of each code point, plus the text's length at the end. */
    this.offsets = [];
    let offset = 0;
    for (const char of text) {
      this.offsets.push(offset);
      offset += char.length;
    }
    this.offsets.push(offset);
    /** @type {WordBoundary[]} */
    this.words = [];
    this.sentenceAt = -1;
  }

  /** @param {any[]} events */
  add(events) {
    for (const event of events) {
      if (event.type === 'sentence') this.sentenceAt = event.text_position;
      if (event.type !== 'word') continue;
      const first = Math.min(Math.max(0, event.text_position - 1), this.offsets.length - 1);
      const last = Math.min(first + Math.max(0, event.word_length), this.offsets.length - 1);
      this.words.push({
        sample: Math.round((Math.max(0, event.audio_position) * this.sampleRate) / 1000),
        textStart: this.offsets[first],
        textLength: this.offsets[last] - this.offsets[first],
        sentenceStart: this.words.length === 0 || event.text_position === this.sentenceAt,
      });
    }
  }

  /** @param {number} totalSamples @returns {WordBoundary[]} */
  boundaries(totalSamples) {
    return this.words.map((word) => ({ ...word, sample: Math.min(word.sample, totalSamples) }));
  }
}

/**
 * Fraction of the text whose words have been reached, from the last 'word' event of a chunk.
 * eSpeak's `text_position` is 1-based and counts characters.
 * @param {any[]} events @param {number} length
 * @returns {number | null} null when the chunk carries no word event
 */
function wordProgress(events, length) {
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i].type === 'word') {
      return Math.min(1, Math.max(0, (events[i].text_position - 1) / Math.max(1, length)));
    }
  }
  return null;
}
