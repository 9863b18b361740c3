import { draftsFromImport, parseStoryText } from './story-import.parser';
import { StoryImportError } from './project.errors';

function failure(run: () => unknown): StoryImportError {
  try {
    run();
  } catch (error) {
    if (error instanceof StoryImportError) return error;
    throw error;
  }
  throw new Error('expected a StoryImportError');
}

describe('parseStoryText', () => {
  it('reads one segment per block, text and prompt', () => {
    expect(
      parseStoryText(
        'Text: Once upon a time.\nPrompt: a castle\n---\nText: The end.\nPrompt: sunset',
      ),
    ).toEqual([
      { textContent: 'Once upon a time.', imagePrompt: 'a castle' },
      { textContent: 'The end.', imagePrompt: 'sunset' },
    ]);
  });

  it('matches the prefixes in any case and trims around the values', () => {
    expect(parseStoryText('TEXT:   Loud  \n  prompt:quiet\n---\ntExT:mixed')).toEqual([
      { textContent: 'Loud', imagePrompt: 'quiet' },
      { textContent: 'mixed', imagePrompt: '' },
    ]);
  });

  it('joins several Text: and Prompt: lines with exactly one space', () => {
    expect(
      parseStoryText('Text: first part\nText:   second part  \nText:\nPrompt: a\nPrompt: b'),
    ).toEqual([{ textContent: 'first part second part', imagePrompt: 'a b' }]);
  });

  it('ignores other lines', () => {
    expect(
      parseStoryText(
        '# Chapter 1\nNarrator notes\nText: kept\nTextual: not a text line\nImage: no',
      ),
    ).toEqual([{ textContent: 'kept', imagePrompt: '' }]);
  });

  it('accepts three or more hyphens, surrounded by spaces, as a delimiter', () => {
    expect(parseStoryText('Text: a\n-----------\nText: b\n  ---  \nText: c')).toHaveLength(3);
  });

  it('does not treat two hyphens or hyphens within text as a delimiter', () => {
    expect(parseStoryText('Text: a\n--\nText: b --- c')).toEqual([
      { textContent: 'a b --- c', imagePrompt: '' },
    ]);
  });

  it('skips empty blocks: leading, trailing and consecutive delimiters', () => {
    expect(parseStoryText('---\n\nText: a\n---\n---\n   \n---\nText: b\n---\n')).toEqual([
      { textContent: 'a', imagePrompt: '' },
      { textContent: 'b', imagePrompt: '' },
    ]);
  });

  it('handles Windows and old Mac line endings', () => {
    expect(parseStoryText('Text: a\r\nPrompt: p\r\n---\r\nText: b\rPrompt: q')).toEqual([
      { textContent: 'a', imagePrompt: 'p' },
      { textContent: 'b', imagePrompt: 'q' },
    ]);
  });

  it('keeps unicode text as it is', () => {
    expect(parseStoryText('Text: Ça commence — 物語 🐉\nPrompt: château')).toEqual([
      { textContent: 'Ça commence — 物語 🐉', imagePrompt: 'château' },
    ]);
  });

  it('refuses a block without a Text: line, naming every such block', () => {
    const error = failure(() =>
      parseStoryText('Text: fine\n---\nPrompt: only a prompt\n---\nText: fine\n---\njust words'),
    );
    expect(error.kind).toBe('invalid');
    expect(error.details).toEqual({
      raw_text: ['Block 2 has no "Text:" line.', 'Block 4 has no "Text:" line.'],
    });
  });

  it('refuses a block whose Text: lines are all empty', () => {
    expect(failure(() => parseStoryText('Text:\nText:   ')).details).toEqual({
      raw_text: ['Block 1 has an empty "Text:" line.'],
    });
  });

  it.each([[''], ['   \n\n'], ['---\n---']])('refuses text without any segment (%j)', (raw) => {
    expect(failure(() => parseStoryText(raw)).details).toEqual({
      raw_text: ['No segments found.'],
    });
  });
});

describe('draftsFromImport', () => {
  it('maps JSON segments, trimming and defaulting the prompt', () => {
    expect(
      draftsFromImport({
        format: 'json',
        segments: [{ textContent: ' a ' }, { textContent: 'b', imagePrompt: ' p ' }],
      }),
    ).toEqual([
      { textContent: 'a', imagePrompt: '' },
      { textContent: 'b', imagePrompt: 'p' },
    ]);
  });

  it('refuses an empty list and blank texts', () => {
    expect(failure(() => draftsFromImport({ format: 'json', segments: [] })).details).toEqual({
      segments: ['This list may not be empty.'],
    });
    expect(
      failure(() =>
        draftsFromImport({
          format: 'json',
          segments: [{ textContent: 'ok' }, { textContent: ' ' }],
        }),
      ).details,
    ).toEqual({ segments: ['Segment 1 has no text_content.'] });
  });

  it('parses the text format', () => {
    expect(draftsFromImport({ format: 'text', rawText: 'Text: x' })).toEqual([
      { textContent: 'x', imagePrompt: '' },
    ]);
  });
});
