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
  const seg = (textContent: string, imagePrompt = '') => ({ textContent, imagePrompt });

  it.each([
    [
      'reads one segment per block, text and prompt',
      'Text: Once upon a time.\nPrompt: a castle\n---\nText: The end.\nPrompt: sunset',
      [seg('Once upon a time.', 'a castle'), seg('The end.', 'sunset')],
    ],
    [
      'matches the prefixes in any case and trims around the values',
      'TEXT:   Loud  \n  prompt:quiet\n---\ntExT:mixed',
      [seg('Loud', 'quiet'), seg('mixed')],
    ],
    [
      'joins several Text: and Prompt: lines with exactly one space',
      'Text: first part\nText:   second part  \nText:\nPrompt: a\nPrompt: b',
      [seg('first part second part', 'a b')],
    ],
    [
      'ignores other lines',
      '# Chapter 1\nNarrator notes\nText: kept\nTextual: not a text line\nImage: no',
      [seg('kept')],
    ],
    [
      'accepts three or more hyphens, surrounded by spaces, as a delimiter',
      'Text: a\n-----------\nText: b\n  ---  \nText: c',
      [seg('a'), seg('b'), seg('c')],
    ],
    [
      'does not treat two hyphens or hyphens within text as a delimiter',
      'Text: a\n--\nText: b --- c',
      [seg('a b --- c')],
    ],
    [
      'skips empty blocks: leading, trailing and consecutive delimiters',
      '---\n\nText: a\n---\n---\n   \n---\nText: b\n---\n',
      [seg('a'), seg('b')],
    ],
    [
      'handles Windows and old Mac line endings',
      'Text: a\r\nPrompt: p\r\n---\r\nText: b\rPrompt: q',
      [seg('a', 'p'), seg('b', 'q')],
    ],
    [
      'keeps unicode text as it is',
      'Text: Ça commence — 物語 🐉\nPrompt: château',
      [seg('Ça commence — 物語 🐉', 'château')],
    ],
  ])('%s', (_name, raw, expected) => {
    expect(parseStoryText(raw)).toEqual(expected);
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
