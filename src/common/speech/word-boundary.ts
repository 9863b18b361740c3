/**
 * Where a word begins in synthesized audio, as the engine reports it (eSpeak's word events).
 * Stored with a segment's audio so that subtitles can be timed by sentence.
 */
export interface WordBoundary {
  /** Index of the word's first sample in the segment's audio. */
  readonly sample: number;
  /** Index of the word's first character in the segment's text (UTF-16 code units). */
  readonly textStart: number;
  /** Length of the word in the text (UTF-16 code units). */
  readonly textLength: number;
  /** True when the engine starts a new sentence at this word. */
  readonly sentenceStart: boolean;
}

/**
 * The word boundaries of one segment's audio, as stored next to its WAV. `text` and
 * `sampleCount` say which synthesis they belong to: a reader uses them only when they match the
 * segment's current text and WAV, so a side file left over from an earlier synthesis (or a WAV
 * whose write failed after its side file) is never paired with the wrong audio.
 */
export interface SegmentWords {
  readonly text: string;
  readonly sampleRate: number;
  readonly sampleCount: number;
  readonly words: readonly WordBoundary[];
}

/** The side file's content (JSON). */
export function serializeSegmentWords(words: SegmentWords): string {
  return JSON.stringify({
    version: 1,
    text: words.text,
    sample_rate: words.sampleRate,
    sample_count: words.sampleCount,
    // [sample, textStart, textLength, sentenceStart]: a long story has thousands of words.
    words: words.words.map((w) => [w.sample, w.textStart, w.textLength, w.sentenceStart ? 1 : 0]),
  });
}

/** Parses a side file; null when it is not one this version wrote (then it is ignored). */
export function parseSegmentWords(json: string): SegmentWords | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (
    r.version !== 1 ||
    typeof r.text !== 'string' ||
    !Number.isInteger(r.sample_rate) ||
    !Number.isInteger(r.sample_count) ||
    !Array.isArray(r.words)
  ) {
    return null;
  }
  const words: WordBoundary[] = [];
  for (const w of r.words as unknown[]) {
    if (!Array.isArray(w) || w.length !== 4 || !w.every((n) => Number.isInteger(n) && n >= 0)) {
      return null;
    }
    const [sample, textStart, textLength, sentenceStart] = w as number[];
    words.push({ sample, textStart, textLength, sentenceStart: sentenceStart === 1 });
  }
  return {
    text: r.text,
    sampleRate: r.sample_rate as number,
    sampleCount: r.sample_count as number,
    words,
  };
}
