import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli.errors';
import { readStoryFile } from './story-file';

describe('readStoryFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'story-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it('reads prose as one segment per paragraph, line breaks inside becoming spaces', async () => {
    const path = file('a.txt', '\r\nOne line\nand its rest.\r\n\r\n  \n\nTwo.\n\n\n');
    expect(await readStoryFile(path)).toEqual(['One line and its rest.', 'Two.']);
  });

  it("reads StoryFlow's Text: format with the server's parser", async () => {
    const path = file(
      'b.txt',
      'Text: First part.\nPrompt: a castle\ntext: more.\n---\nText: Second.\n',
    );
    expect(await readStoryFile(path)).toEqual(['First part. more.', 'Second.']);
  });

  it('reads JSON: the import body or a list of texts', async () => {
    const body = { segments: [{ text_content: ' A. ' }, { text_content: 'B.' }] };
    expect(await readStoryFile(file('c.json', JSON.stringify(body)))).toEqual(['A.', 'B.']);
    expect(await readStoryFile(file('d.json', '["X.", "Y."]'))).toEqual(['X.', 'Y.']);
  });

  it('refuses, as one-line CliErrors, what it cannot narrate', async () => {
    await expect(readStoryFile(file('e.txt', ' \n\n '))).rejects.toThrow(
      new CliError(`${join(dir, 'e.txt')} has no text to narrate`),
    );
    await expect(
      readStoryFile(file('f.json', '{"segments": [{"text_content": ""}]}')),
    ).rejects.toThrow(
      `${join(dir, 'f.json')} is not a valid story: Invalid import Segment 0 has no text_content.`,
    );
    await expect(readStoryFile(file('g.txt', 'Text:\n---\nText: ok'))).rejects.toThrow(
      /is not a valid story: /,
    );
    await expect(readStoryFile(file('h.json', '{'))).rejects.toThrow('is not valid JSON');
  });
});
