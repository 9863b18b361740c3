import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSegmentWords } from '../common/speech/word-boundary';
import type { MediaLayout } from '../media/media-layout';
import { AudioFileStore } from './audio-file.store';

describe('AudioFileStore', () => {
  let root: string;
  let store: AudioFileStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'audio-store-'));
    const audioPath = (p: string, s: string) => join(root, 'projects', p, 'audio', `${s}.wav`);
    const media = {
      mediaRoot: root,
      audioPath,
      audioWordsPath: (p: string, s: string) =>
        join(root, 'projects', p, 'audio', `${s}.words.json`),
      removeAudio: async () => undefined,
    } as unknown as MediaLayout;
    store = new AudioFileStore(media);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes the file in place, creating folders, and leaves no temporary file', async () => {
    await store.write('p1', 's1', Buffer.from('RIFF-data'));
    const dir = join(root, 'projects', 'p1', 'audio');
    expect(readdirSync(dir)).toEqual(['s1.wav']);
    expect(readFileSync(join(dir, 's1.wav'), 'utf8')).toBe('RIFF-data');
  });

  it('replaces an existing file whole', async () => {
    await store.write('p1', 's1', Buffer.from('old'));
    await store.write('p1', 's1', Buffer.from('new bytes'));
    expect(readFileSync(join(root, 'projects', 'p1', 'audio', 's1.wav'), 'utf8')).toBe('new bytes');
  });

  it('fails when the path cannot be written, and cleans up its temporary file', async () => {
    mkdirSync(join(root, 'projects', 'p1', 'audio', 's1.wav'), { recursive: true });
    await expect(store.write('p1', 's1', Buffer.from('x'))).rejects.toThrow();
    expect(readdirSync(join(root, 'projects', 'p1', 'audio'))).toEqual(['s1.wav']);
  });

  it('writes the word boundaries next to the WAV, and removes them when a synthesis has none', async () => {
    const words = {
      text: 'Hi. Yo.',
      sampleRate: 22050,
      sampleCount: 100,
      words: [{ sample: 0, textStart: 0, textLength: 2, sentenceStart: true }],
    };
    await store.write('p1', 's1', Buffer.from('RIFF-data'), words);
    const dir = join(root, 'projects', 'p1', 'audio');
    expect(readdirSync(dir).sort()).toEqual(['s1.wav', 's1.words.json']);
    expect(parseSegmentWords(readFileSync(join(dir, 's1.words.json'), 'utf8'))).toEqual(words);
    await store.write('p1', 's1', Buffer.from('RIFF-other'));
    expect(readdirSync(dir)).toEqual(['s1.wav']);
  });

  it('sweeps temporary files left by a crash, and only those', async () => {
    const dir = join(root, 'projects', 'p1', 'audio');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 's1.wav'), 'whole');
    writeFileSync(join(dir, 's2.wav.tmp-1a2b3c4d'), 'half');
    expect(await store.removeTemporaryFiles()).toBe(1);
    expect(readdirSync(dir)).toEqual(['s1.wav']);
  });

  it('sweeping an empty media folder is fine', async () => {
    expect(await store.removeTemporaryFiles()).toBe(0);
  });
});
