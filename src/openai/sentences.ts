/** Pieces shorter than this are spoken together with the next sentence. */
const MIN_PIECE_CHARS = 40;

/**
 * The input cut at sentence boundaries (`Intl.Segmenter`, built into Node: no library needed),
 * so that each piece is synthesized on its own and the answer streams piece by piece. Very
 * short sentences ("Yes.") are joined to the next one. The pieces, joined, are the input
 * (whitespace between pieces aside).
 */
export function splitSentences(input: string, locale = 'en'): string[] {
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  const pieces: string[] = [];
  let pending = '';
  for (const { segment } of segmenter.segment(input)) {
    pending += segment;
    if (pending.trim().length >= MIN_PIECE_CHARS) {
      pieces.push(pending.trim());
      pending = '';
    }
  }
  if (pending.trim() !== '') {
    // A short tail joins the previous piece rather than being spoken alone.
    if (pieces.length > 0 && pending.trim().length < MIN_PIECE_CHARS / 2) {
      pieces[pieces.length - 1] += ` ${pending.trim()}`;
    } else {
      pieces.push(pending.trim());
    }
  }
  return pieces;
}
