import { stringifySync } from 'subtitle';
import type { WordBoundary } from '../common/speech/word-boundary';

/** One segment's audio as the narration places it. */
export interface TimelinePart {
  segmentId: string;
  text: string;
  sampleRate: number;
  /** Samples of the segment's own audio (16-bit mono). */
  sampleCount: number;
  /** Word boundaries reported by the engine, relative to the segment's first sample. */
  words: readonly WordBoundary[] | null;
}

/** A part with its place in the narration. */
export interface PlacedPart extends TimelinePart {
  /** Index of the part's first sample in the narration. */
  startSample: number;
}

/**
 * The whole story as one sample sequence: part 0, a gap of silence, part 1, a gap... with no
 * gap after the last part. Everything is counted in samples, so the WAV, its Content-Length
 * and the subtitle cues are all derived from the same integers.
 */
export interface NarrationTimeline {
  sampleRate: number;
  gapSamples: number;
  parts: PlacedPart[];
  totalSamples: number;
}

export type CueGranularity = 'segment' | 'sentence';
export type SubtitleFormat = 'srt' | 'vtt';

export interface SubtitleCue {
  /** Milliseconds from the start of the narration (rounded from sample offsets). */
  startMs: number;
  endMs: number;
  text: string;
}

/**
 * Places the parts one after the other with `gapSeconds` of silence between them. Every
 * part must have `sampleRate`; the caller refuses mixed rates first.
 */
export function buildTimeline(
  parts: readonly TimelinePart[],
  sampleRate: number,
  gapSeconds: number,
): NarrationTimeline {
  const gapSamples = Math.round(gapSeconds * sampleRate);
  const placed: PlacedPart[] = [];
  let cursor = 0;
  parts.forEach((part, i) => {
    if (i > 0) cursor += gapSamples;
    placed.push({ ...part, startSample: cursor });
    cursor += part.sampleCount;
  });
  return { sampleRate, gapSamples, parts: placed, totalSamples: cursor };
}

/**
 * Subtitle cues of a timeline: one per segment, spanning its audio (not the gap after it);
 * with `sentence`, one per sentence where the engine reported word boundaries, each from
 * its first word to the next sentence (or the segment's end). Segments without boundaries
 * keep one cue.
 */
export function subtitleCues(timeline: NarrationTimeline, by: CueGranularity): SubtitleCue[] {
  const ms = (sample: number) => Math.round((sample * 1000) / timeline.sampleRate);
  const cues: SubtitleCue[] = [];
  for (const part of timeline.parts) {
    const end = part.startSample + part.sampleCount;
    const sentences = by === 'sentence' ? sentencesOf(part) : [];
    if (sentences.length === 0) {
      cues.push({ startMs: ms(part.startSample), endMs: ms(end), text: oneLine(part.text) });
      continue;
    }
    sentences.forEach((sentence, i) => {
      const next = sentences[i + 1];
      cues.push({
        startMs: ms(part.startSample + Math.min(sentence.sample, part.sampleCount)),
        endMs: ms(next ? part.startSample + Math.min(next.sample, part.sampleCount) : end),
        text: sentence.text,
      });
    });
  }
  return cues.filter((cue) => cue.text !== '' && cue.endMs > cue.startMs);
}

/** The cues as an SRT or WebVTT file. */
export function formatSubtitles(cues: readonly SubtitleCue[], format: SubtitleFormat): string {
  return stringifySync(
    cues.map((cue) => ({
      type: 'cue' as const,
      data: { start: cue.startMs, end: cue.endMs, text: cue.text },
    })),
    { format: format === 'srt' ? 'SRT' : 'WebVTT' },
  );
}

/**
 * Sentences of a part: where each starts (in samples) and its text. The text is cut at the
 * last space before the next sentence's first word, so that an opening quote or bracket goes
 * with its sentence; the first sentence also takes any text before its first word.
 */
function sentencesOf(part: TimelinePart): { sample: number; text: string }[] {
  const starts = (part.words ?? []).filter((word, i) => i === 0 || word.sentenceStart);
  const cuts = starts.map((word, i) => {
    if (i === 0) return 0;
    const before = part.text.slice(starts[i - 1].textStart + 1, word.textStart);
    const space = before.search(/\s\S*$/);
    return space === -1 ? word.textStart : starts[i - 1].textStart + 1 + space;
  });
  return starts
    .map((word, i) => ({
      sample: word.sample,
      text: oneLine(part.text.slice(cuts[i], cuts[i + 1] ?? part.text.length)),
    }))
    .filter((sentence) => sentence.text !== '');
}

/** Subtitle text on one line: a blank line would end the cue early. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
