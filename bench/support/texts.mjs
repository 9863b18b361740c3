/** Deterministic narration texts for the benchmarks (same texts in every run and process). */

const WORDS = (
  'the old lighthouse keeper walked slowly along the rocky shore while gulls circled above ' +
  'a small boat drifted toward the harbour and children laughed near the market square ' +
  'tomorrow the travellers would cross the mountains before winter closed every road ' +
  'she opened the letter carefully and read it twice under the flickering lamp'
).split(' ');

/** A small seeded PRNG (mulberry32), so texts do not depend on Math.random. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` sentences of `minWords`..`maxWords` words (about 4–6 s of speech at 12–16 words). */
export function sentences(count, { minWords = 12, maxWords = 16, seed = 42 } = {}) {
  const random = rng(seed);
  return Array.from({ length: count }, () => {
    const n = minWords + Math.floor(random() * (maxWords - minWords + 1));
    const words = Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]);
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  });
}

/** `count` one-word segments. */
export function oneWords(count) {
  return Array.from({ length: count }, (_, i) => {
    const word = WORDS[i % WORDS.length];
    return `${word[0].toUpperCase()}${word.slice(1)}.`;
  });
}
