import { buildTimeline, subtitleCues } from './narration-timeline';

const word = (sample: number, textStart: number, sentenceStart = false) => ({
  sample,
  textStart,
  textLength: 1,
  sentenceStart,
});

describe('subtitleCues', () => {
  const text = 'He said: "Go." \u201cWhy?\u201d she asked.\nThen silence.';
  const timeline = buildTimeline(
    [
      {
        segmentId: 'a',
        text,
        sampleRate: 1000,
        sampleCount: 9000,
        // Word events as eSpeak gives them: the quote opening a sentence is not a word.
        words: [
          word(10, 0, true),
          word(800, 10, true),
          word(2000, 16, true),
          word(2500, 22),
          word(5000, 33, true),
        ],
      },
      {
        segmentId: 'b',
        text: 'No boundaries here. Two sentences.',
        sampleRate: 1000,
        sampleCount: 500,
        words: null,
      },
    ],
    1000,
    1,
  );

  it('cuts sentences at the space before their first word, quotes going with their sentence', () => {
    expect(subtitleCues(timeline, 'sentence')).toEqual([
      { startMs: 10, endMs: 800, text: 'He said:' },
      { startMs: 800, endMs: 2000, text: '"Go."' },
      { startMs: 2000, endMs: 5000, text: '\u201cWhy?\u201d she asked.' },
      { startMs: 5000, endMs: 9000, text: 'Then silence.' },
      { startMs: 10_000, endMs: 10_500, text: 'No boundaries here. Two sentences.' },
    ]);
  });

  it('gives one cue per segment by default', () => {
    expect(subtitleCues(timeline, 'segment').map((cue) => [cue.startMs, cue.endMs])).toEqual([
      [0, 9000],
      [10_000, 10_500],
    ]);
  });
});
