import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSegmentWords, serializeSegmentWords } from '../../common/speech/word-boundary';
import { encodeWav } from '../engine/wav';
import { MediaLayout } from '../../media/media-layout';
import { audioStorageContract } from './audio-storage.contract';
import { LocalAudioStorage } from './local-audio.storage';

async function readOrNull(path: string): Promise<Buffer | null> {
  return readFile(path).catch(() => null);
}

function localFixture() {
  const dataDir = mkdtempSync(join(tmpdir(), 'audio-storage-'));
  const media = new MediaLayout({ dataDir } as ConstructorParameters<typeof MediaLayout>[0]);
  const storage = new LocalAudioStorage(media);
  return { dataDir, media, storage };
}

audioStorageContract('LocalAudioStorage (disk)', async () => {
  const { dataDir, media, storage } = localFixture();
  return {
    storage,
    readAudio: (p, s) => readOrNull(media.audioPath(p, s)),
    readWords: async (p, s) => {
      const bytes = await readOrNull(media.audioWordsPath(p, s));
      return bytes && parseSegmentWords(bytes.toString('utf8'));
    },
    plantTemporary: async (p, s) => {
      mkdirSync(join(media.audioPath(p, s), '..'), { recursive: true });
      await writeFile(`${media.audioPath(p, s)}.tmp-1a2b3c4d`, 'half');
    },
    listNames: (p) => readdir(join(media.audioPath(p, 'x'), '..')).catch(() => []),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe('LocalAudioStorage (disk specifics)', () => {
  it('fails when the path cannot be written, and cleans up its temporary file', async () => {
    const { dataDir, media, storage } = localFixture();
    try {
      mkdirSync(media.audioPath('p1', 's1'), { recursive: true });
      await expect(storage.write('p1', 's1', Buffer.from('x'))).rejects.toThrow();
      expect(readdirSync(join(media.audioPath('p1', 's1'), '..'))).toEqual(['s1.wav']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps the boundaries of a WAV inside it: one file per segment, none beside it', async () => {
    const { dataDir, media, storage } = localFixture();
    try {
      const words = {
        text: 'Hi.',
        sampleRate: 22050,
        sampleCount: 3,
        words: [{ sample: 0, textStart: 0, textLength: 2, sentenceStart: true }],
      };
      await storage.write('p1', 's1', encodeWav(new Int16Array(3), 22050), words);
      expect(readdirSync(join(media.audioPath('p1', 's1'), '..'))).toEqual(['s1.wav']);
      const stored = readFileSync(media.audioPath('p1', 's1'));
      expect(stored.readUInt32LE(4) + 8).toBe(stored.length);
      expect(stored.length % 2).toBe(0);
      expect(await storage.readWords('p1', 's1')).toEqual(words);
      // An older version's side file does not win over the WAV's own boundaries.
      writeFileSync(
        media.audioWordsPath('p1', 's1'),
        serializeSegmentWords({ ...words, text: 'Old.' }),
      );
      expect(await storage.readWords('p1', 's1')).toEqual(words);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('serves the audio under /media/, where the files are', () => {
    const { dataDir, storage } = localFixture();
    rmSync(dataDir, { recursive: true, force: true });
    expect(storage.urlPath('p1', 's1')).toMatch(/^\/media\/projects\/p1\/audio\/s1\.wav$/);
  });
});
