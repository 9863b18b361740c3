import { splitSentences } from './sentences';

describe('splitSentences', () => {
  it('cuts at sentence boundaries, keeping every word in order', () => {
    const input =
      'The keeper climbed the stairs to the lamp room. He lit the great lamp in the lamp room before dusk! ' +
      'Did the ships see it from the far side of the bay? They did, every one of them.';
    const pieces = splitSentences(input);
    expect(pieces).toEqual([
      'The keeper climbed the stairs to the lamp room.',
      'He lit the great lamp in the lamp room before dusk!',
      'Did the ships see it from the far side of the bay?',
      'They did, every one of them.',
    ]);
    expect(pieces.join(' ')).toBe(input.trim());
  });

  it('joins sentences under 40 characters to the next, and a short tail to the last piece', () => {
    expect(
      splitSentences('Yes. No. The keeper lit the lamp and waited for the ships. Done.'),
    ).toEqual(['Yes. No. The keeper lit the lamp and waited for the ships. Done.']);
  });

  it('a text without a full stop is one piece', () => {
    expect(splitSentences('hello there')).toEqual(['hello there']);
  });
});
