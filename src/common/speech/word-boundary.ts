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
