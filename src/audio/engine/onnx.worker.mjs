// @ts-check
/**
 * Piscina worker that runs a neural voice (Kokoro or Piper) with onnxruntime-node, off the
 * main thread. One ONNX Runtime session per worker thread, with the intra-op thread count the
 * engine computed so that workers × threads does not exceed the cores. Phonemes come from the
 * embedded espeak-ng (`phonemes.mjs`).
 *
 * Plain ESM JavaScript, like `espeak.worker.mjs` (see there why), and with the same task
 * contract and test hooks (honoured only when STORYFLOW_TEST_HOOKS=1): text '\uE000__crash__'
 * exits the thread mid-task, '\uE000__throw__' kills it with an uncaught exception.
 *
 * `workerData` (see `KokoroTtsEngine` / `PiperTtsEngine`):
 *   { kind: 'kokoro', threads, model, styles: Float32Array (SharedArrayBuffer), styleDim,
 *     voices: { [name]: { offset, rows } }, languages: { [prefix]: espeakVoice } }
 *   { kind: 'piper', threads, voices: { [name]: { model, settings: PiperVoiceConfig } } }
 */
import ort from 'onnxruntime-node';
import { move, workerData } from 'piscina';
import { KOKORO_MAX_TOKENS, KOKORO_SAMPLE_RATE, KOKORO_VOCAB } from './kokoro-vocab.mjs';
import { espeak, phonemize, splitSentences } from './phonemes.mjs';
import {
  awaitWarmupBarrier,
  beginSynthesis,
  isCancelled,
  lowerThreadPriority,
  SynthesisTransfer,
} from './worker-support.mjs';

lowerThreadPriority();

/** Silence between the chunks of a long text (a sentence-sized pause). */
const CHUNK_PAUSE_SECONDS = 0.2;
const WARMUP_BARRIER_TIMEOUT_MS = 60_000;
const WARMUP_TEXT = 'The narrator is ready.';

const config = workerData;
/** @type {Record<string, number>} */
const VOCAB = KOKORO_VOCAB;

/** @param {string} model @returns {Promise<any>} */
function createSession(model) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: config.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

/** @type {Promise<any> | null} Kokoro's one session */
let kokoroSession = null;
/** @type {{ name: string, session: Promise<any> } | null} the Piper voice loaded (one at a time) */
let piperLoaded = null;

/** @param {any} task */
export default async function run(task) {
  if (task.warmup) return warmup(task);
  if (task.tokenize) return tokenize(task.text, task.voice, undefined);
  return synthesize(task);
}

/** @param {{ barrier?: Int32Array, parties?: number }} task */
async function warmup({ barrier, parties = 1 }) {
  await espeak();
  const voice = config.kind === 'kokoro' ? config.defaultVoice : Object.keys(config.voices)[0];
  // One real inference loads the session and warms its kernels before the first request.
  await synthesize({ text: WARMUP_TEXT, voice, speed: 1 });
  const session = await sessionFor(voice);
  awaitWarmupBarrier(barrier, parties, WARMUP_BARRIER_TIMEOUT_MS);
  return {
    sampleRate:
      config.kind === 'kokoro' ? KOKORO_SAMPLE_RATE : config.voices[voice].settings.sampleRate,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
  };
}

/** @param {string} voice */
function sessionFor(voice) {
  if (config.kind === 'kokoro') {
    kokoroSession ??= createSession(config.model);
    return kokoroSession;
  }
  if (piperLoaded?.name !== voice) {
    const previous = piperLoaded;
    piperLoaded = { name: voice, session: createSession(config.voices[voice].model) };
    void previous?.session.then((s) => s.release()).catch(() => undefined);
  }
  return piperLoaded.session;
}

/**
 * The text as chunks of token ids, each within the model's limit, cut at sentence
 * boundaries (a sentence over the limit is cut between words).
 * @param {string} text @param {string} voice
 * @param {Int32Array | undefined} cancelFlag checked between sentences
 * @returns {Promise<{ phonemes: string, tokens: number[], end: number }[]>}
 */
async function tokenize(text, voice, cancelFlag) {
  const kokoro = config.kind === 'kokoro';
  const espeakVoice = kokoro
    ? (config.languages[voice[0]] ?? 'en-us')
    : config.voices[voice].settings.espeakVoice;
  const limit = kokoro ? KOKORO_MAX_TOKENS : Infinity;
  /** @param {string} phonemes */
  const idsOf = (phonemes) => (kokoro ? kokoroIds(phonemes) : piperIds(phonemes, voice));
  /** @type {{ phonemes: string, tokens: number[], end: number }[]} */
  const chunks = [];
  /** @type {{ phonemes: string, end: number } | null} */
  let current = null;
  const flush = () => {
    if (current && current.phonemes) {
      chunks.push({ ...current, tokens: idsOf(current.phonemes) });
    }
    current = null;
  };
  for (const sentence of splitSentences(text)) {
    if (isCancelled(cancelFlag)) throw new Error('Synthesis aborted');
    const phonemes = await phonemize(sentence.text, espeakVoice);
    if (!phonemes) continue;
    for (const piece of fitPieces(phonemes, limit, idsOf)) {
      const joined = current ? `${current.phonemes} ${piece}` : piece;
      if (current && idsOf(joined).length > limit) flush();
      current = { phonemes: current ? `${current.phonemes} ${piece}` : piece, end: sentence.end };
    }
  }
  flush();
  return chunks;
}

/**
 * A sentence's phonemes in pieces within the limit: whole when it fits, else cut between
 * words (and a word longer than the limit, which no text has, is cut anywhere).
 * @param {string} phonemes @param {number} limit @param {(p: string) => number[]} idsOf
 */
function fitPieces(phonemes, limit, idsOf) {
  if (idsOf(phonemes).length <= limit) return [phonemes];
  const pieces = [];
  let piece = '';
  for (const word of phonemes.split(' ')) {
    const joined = piece ? `${piece} ${word}` : word;
    if (idsOf(joined).length <= limit) {
      piece = joined;
      continue;
    }
    if (piece) pieces.push(piece);
    piece = word;
    while (idsOf(piece).length > limit) {
      pieces.push([...piece].slice(0, limit).join(''));
      piece = [...piece].slice(limit).join('');
    }
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** Kokoro: each phoneme symbol in the vocabulary → its id; others dropped (as kokoro-onnx). */
/** @param {string} phonemes */
function kokoroIds(phonemes) {
  const ids = [];
  for (const symbol of phonemes) {
    const id = VOCAB[symbol];
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/**
 * Piper: BOS, then each phoneme's ids followed by the pad ids, then EOS (as Piper's
 * `phonemes_to_ids`); phonemes missing from the map are skipped.
 * @param {string} phonemes @param {string} voice
 */
function piperIds(phonemes, voice) {
  /** @type {Record<string, number[]>} */
  const map = config.voices[voice].settings.phonemeIdMap;
  const ids = [...map['^']];
  for (const symbol of phonemes) {
    const symbolIds = map[symbol];
    if (!symbolIds) continue;
    ids.push(...symbolIds, ...map['_']);
  }
  ids.push(...map['$']);
  return ids;
}

/**
 * @param {{ text: string, voice: string, speed: number,
 *   progressPort?: import('node:worker_threads').MessagePort, cancelFlag?: Int32Array }} task
 */
async function synthesize({ text, voice, speed, progressPort, cancelFlag }) {
  try {
    await beginSynthesis(text, cancelFlag);
    if (config.kind === 'kokoro' ? !blendParts(voice) : !config.voices[voice]) {
      throw new Error(`Unknown engine voice "${voice}"`);
    }
    const session = await sessionFor(voice);
    const sampleRate =
      config.kind === 'kokoro' ? KOKORO_SAMPLE_RATE : config.voices[voice].settings.sampleRate;
    const chunks = await tokenize(text, voice, cancelFlag);
    if (chunks.length === 0) throw new Error('Nothing to say: the text has no pronounceable word');
    progressPort?.postMessage(0);
    /** @type {Float32Array[]} */
    const parts = [];
    const pause = new Float32Array(Math.round(CHUNK_PAUSE_SECONDS * sampleRate));
    for (const [i, chunk] of chunks.entries()) {
      // Cancel is honoured between chunks: one inference cannot be interrupted.
      if (isCancelled(cancelFlag)) throw new Error('Synthesis aborted');
      if (i > 0) parts.push(pause);
      parts.push(
        config.kind === 'kokoro'
          ? await runKokoro(session, chunk.tokens, voice, speed)
          : await runPiper(session, chunk.tokens, voice, speed),
      );
      progressPort?.postMessage(Math.min(1, chunk.end / Math.max(1, text.length)));
    }
    if (isCancelled(cancelFlag)) throw new Error('Synthesis aborted');
    return move(new SynthesisTransfer(toInt16(parts), sampleRate));
  } finally {
    progressPort?.close();
  }
}

/**
 * A Kokoro voice or blend (`af_bella`, `af_bella+af_sky`, `af_bella(2)+af_sky(1)`: weights
 * default to 1) as its known voices and weights; null when a voice is unknown or a weight is
 * not positive. The server checks blends before they get here (voice-blend.ts).
 * @param {string} voice
 */
function blendParts(voice) {
  const parts = [];
  for (const term of voice.split('+')) {
    const match = /^\s*([\w.-]+)\s*(?:\(\s*(\d+(?:\.\d+)?)\s*\))?\s*$/.exec(term);
    if (!match || !config.voices[match[1]]) return null;
    const weight = match[2] === undefined ? 1 : Number(match[2]);
    if (!(weight > 0)) return null;
    parts.push({ name: match[1], weight });
  }
  return parts;
}

/** Kokoro: tokens padded with 0 at both ends, the style row for the token count, speed. */
/** @param {any} session @param {number[]} tokens @param {string} voice @param {number} speed */
async function runKokoro(session, tokens, voice, speed) {
  const names = kokoroNames(session);
  const dim = config.styleDim;
  // The voices file holds one style per token count (510 rows): row = number of tokens. A
  // blend (`af_bella(2)+af_sky(1)`) takes the weighted mean of its voices' rows.
  const parts = /** @type {{ name: string, weight: number }[]} */ (blendParts(voice));
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  const style = new Float32Array(dim);
  for (const { name, weight } of parts) {
    const { offset, rows } = config.voices[name];
    const row = Math.min(tokens.length, rows - 1);
    const source = config.styles.subarray(offset + row * dim, offset + (row + 1) * dim);
    for (let i = 0; i < dim; i++) style[i] += (source[i] * weight) / total;
  }
  const ids = BigInt64Array.from([0, ...tokens, 0], (id) => BigInt(id));
  const speedTensor =
    names.speedType === 'float32'
      ? new ort.Tensor('float32', Float32Array.of(speed), [1])
      : // Exports whose speed input is an integer (hexgrad's v1.0 export script) get it rounded.
        new ort.Tensor('int32', Int32Array.of(Math.max(1, Math.round(speed))), [1]);
  const outputs = await session.run({
    [names.tokens]: new ort.Tensor('int64', ids, [1, ids.length]),
    [names.style]: new ort.Tensor('float32', style, [1, dim]),
    [names.speed]: speedTensor,
  });
  return /** @type {Float32Array} */ (outputs[names.audio].data);
}

/** @type {WeakMap<object, { tokens: string, style: string, speed: string, speedType: string, audio: string }>} */
const kokoroNameCache = new WeakMap();

/**
 * Input and output names differ between exports (v0.19: tokens → audio; v1.0: input_ids →
 * waveform), so they are read from the model.
 * @param {any} session
 */
function kokoroNames(session) {
  let names = kokoroNameCache.get(session);
  if (names) return names;
  /** @type {string[]} */
  const inputs = session.inputNames;
  /** @type {string[]} */
  const outputs = session.outputNames;
  const tokens = ['input_ids', 'tokens'].find((n) => inputs.includes(n));
  if (!tokens || !inputs.includes('style') || !inputs.includes('speed')) {
    throw new Error(`not a Kokoro model: inputs are ${inputs.join(', ')}`);
  }
  const audio = ['waveform', 'audio'].find((n) => outputs.includes(n)) ?? outputs[0];
  const speedMeta = (session.inputMetadata ?? []).find(
    (/** @type {any} */ m) => m.name === 'speed',
  );
  const speedType = speedMeta?.isTensor && /int/.test(speedMeta.type) ? 'int32' : 'float32';
  names = { tokens, style: 'style', speed: 'speed', speedType, audio };
  kokoroNameCache.set(session, names);
  return names;
}

/** Piper: ids [1, n], their length, scales [noise, length / speed, noise_w], sid if multi-speaker. */
/** @param {any} session @param {number[]} ids @param {string} voice @param {number} speed */
async function runPiper(session, ids, voice, speed) {
  const s = config.voices[voice].settings;
  /** @type {Record<string, any>} */
  const feeds = {
    input: new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (id) => BigInt(id)),
      [1, ids.length],
    ),
    input_lengths: new ort.Tensor('int64', BigInt64Array.of(BigInt(ids.length)), [1]),
    scales: new ort.Tensor(
      'float32',
      Float32Array.of(s.noiseScale, s.lengthScale / speed, s.noiseW),
      [3],
    ),
  };
  if (session.inputNames.includes('sid'))
    feeds.sid = new ort.Tensor('int64', BigInt64Array.of(0n), [1]);
  const outputs = await session.run(feeds);
  const name = session.outputNames.includes('output') ? 'output' : session.outputNames[0];
  return /** @type {Float32Array} */ (outputs[name].data);
}

/** Float samples (−1..1) → 16-bit PCM, clipped. @param {Float32Array[]} parts */
function toInt16(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Int16Array(total);
  let at = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = Math.max(-1, Math.min(1, part[i]));
      out[at++] = Math.round(v * 32767);
    }
  }
  return out;
}
