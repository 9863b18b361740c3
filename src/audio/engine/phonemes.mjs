// @ts-check
/**
 * Text → IPA phonemes with the embedded espeak-ng, for the neural engines (Kokoro, Piper).
 *
 * eSpeak's IPA output drops punctuation, which both models were trained with (kokoro-onnx
 * phonemizes with `preserve_punctuation=True`; Piper keeps espeak's clause punctuation). So a
 * sentence is phonemized clause by clause and each clause's punctuation is put back after
 * its phonemes: "Hello, world." → "həlˈoʊ, wˈɜːld."
 */
// @ts-expect-error -- the package ships no type declarations (ESM-only Emscripten build, GPL-3.0)
import Module from '@echogarden/espeak-ng-emscripten';

/** @type {Promise<any> | null} */
let engine = null;
/** @type {string | null} */
let currentVoice = null;

/** The espeak-ng instance of this thread (created once, ~130 ms). */
export function espeak() {
  engine ??= Module().then((/** @type {any} */ m) => new m.eSpeakNGWorker());
  return engine;
}

/**
 * Selects an espeak-ng voice, trying `en-gb-x-rp` → `en-gb` → `en` style fallbacks, since this
 * build lacks some names (it rejects `en-gb`, for one).
 * @param {any} w @param {string} voice
 */
function selectVoice(w, voice) {
  if (voice === currentVoice) return;
  const parts = voice.split('-');
  for (let n = parts.length; n >= 1; n--) {
    const name = parts.slice(0, n).join('-');
    if (w.set_voice(name) === 0) {
      currentVoice = voice;
      return;
    }
  }
  throw new Error(`espeak-ng has no voice "${voice}"`);
}

/** Sentence boundaries by the platform's ICU rules (Intl.Segmenter), not a hand-made regex. */
const SENTENCES = new Intl.Segmenter('en', { granularity: 'sentence' });

/** @param {string} text @returns {{ text: string, start: number, end: number }[]} */
export function splitSentences(text) {
  /** @type {{ text: string, start: number, end: number }[]} */
  const out = [];
  for (const { segment, index } of SENTENCES.segment(text)) {
    if (segment.trim() === '') continue;
    out.push({ text: segment.trim(), start: index, end: index + segment.length });
  }
  return out;
}

/** Punctuation that ends a clause: followed by a space or the end (not the '.' of "3.5"). */
const CLAUSE_END = /([,;:.!?…—]+)(?=\s|$)/u;

/**
 * IPA phonemes of one sentence in the given espeak-ng voice, with stress marks and the
 * clause punctuation kept; words separated by single spaces.
 * @param {string} sentence @param {string} voice espeak-ng voice, e.g. 'en-us'
 * @returns {Promise<string>}
 */
export async function phonemize(sentence, voice) {
  const w = await espeak();
  selectVoice(w, voice);
  const pieces = [];
  // split() with a capture group alternates: words, punctuation, words, ..., words.
  const parts = sentence.split(CLAUSE_END);
  for (let i = 0; i < parts.length; i += 2) {
    const words = parts[i];
    const punctuation = parts[i + 1] ?? '';
    let ipa = '';
    if (/[\p{L}\p{N}]/u.test(words)) {
      const result = w.synthesize_ipa(words);
      if (result.code !== 0) throw new Error(`espeak-ng could not phonemize (code ${result.code})`);
      // eSpeak separates phonemes with '_' and clauses with newlines.
      ipa = String(result.ipa).replace(/_/g, '').replace(/\s+/g, ' ').trim();
    }
    if (ipa === '' && punctuation === '') continue;
    pieces.push(ipa + punctuation);
  }
  return pieces.join(' ').trim();
}
