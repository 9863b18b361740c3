import type { Readable } from 'node:stream';
import type { SegmentWords } from '../../common/speech/word-boundary';
import { encodeWav, parseWavHeader } from '../engine/wav';
import type { AudioStorage } from './audio.storage';

/** An adapter under test, with the means to look behind it. */
export interface AudioStorageFixture {
  storage: AudioStorage;
  /** The stored WAV bytes of a segment, or null. */
  readAudio(projectId: string, segmentId: string): Promise<Buffer | null>;
  /** The stored word boundaries of a segment, or null. */
  readWords(projectId: string, segmentId: string): Promise<SegmentWords | null>;
  /** Leaves a half-written temporary file for a segment, as a crash mid-write would. */
  plantTemporary(projectId: string, segmentId: string): Promise<void>;
  /** Every name the store holds for a project's audio (temporary ones included). */
  listNames(projectId: string): Promise<string[]>;
  dispose(): Promise<void>;
}

const WORDS: SegmentWords = {
  text: 'Hi. Yo.',
  sampleRate: 22050,
  sampleCount: 100,
  words: [{ sample: 0, textStart: 0, textLength: 2, sentenceStart: true }],
};

async function readAll(stream: Readable): Promise<string> {
  return Buffer.concat((await stream.toArray()) as Buffer[]).toString('latin1');
}

/** The behaviour every AudioStorage adapter must have (run from each adapter's spec). */
export function audioStorageContract(name: string, make: () => Promise<AudioStorageFixture>): void {
  describe(`AudioStorage contract: ${name}`, () => {
    let f: AudioStorageFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(() => f.dispose());

    it('stores a WAV whole, and a second write replaces it whole', async () => {
      await f.storage.write('p1', 's1', Buffer.from('RIFF-old'));
      expect(await f.readAudio('p1', 's1')).toEqual(Buffer.from('RIFF-old'));
      await f.storage.write('p1', 's1', Buffer.from('RIFF-new and longer'));
      expect(await f.readAudio('p1', 's1')).toEqual(Buffer.from('RIFF-new and longer'));
      expect(await f.readAudio('p1', 's2')).toBeNull();
    });

    it('keeps word boundaries with their WAV, and drops them when a new WAV has none', async () => {
      expect(await f.storage.readWords('p1', 's1')).toBeNull();
      await f.storage.write('p1', 's1', Buffer.from('RIFF-a'), WORDS);
      expect(await f.readWords('p1', 's1')).toEqual(WORDS);
      expect(await f.storage.readWords('p1', 's1')).toEqual(WORDS);
      await f.storage.write('p1', 's1', Buffer.from('RIFF-b'));
      expect(await f.readWords('p1', 's1')).toBeNull();
      expect(await f.storage.readWords('p1', 's1')).toBeNull();
      expect(await f.readAudio('p1', 's1')).toEqual(Buffer.from('RIFF-b'));
    });

    it('keeps word boundaries with a real WAV, which still reads as the same samples', async () => {
      const samples = Int16Array.from({ length: 101 }, (_, i) => i * 3 - 150);
      const wav = encodeWav(samples, 22050);
      await f.storage.write('p1', 's1', Buffer.from(wav), { ...WORDS, sampleCount: 101 });
      expect(await f.storage.readWords('p1', 's1')).toEqual({ ...WORDS, sampleCount: 101 });
      const stored = (await f.readAudio('p1', 's1'))!;
      const header = parseWavHeader(stored);
      expect(header).toMatchObject({ sampleRate: 22050, channels: 1, dataBytes: 202 });
      expect(stored.subarray(header.dataOffset, header.dataOffset + 202)).toEqual(wav.subarray(44));
      // A WAV without boundaries drops them.
      await f.storage.write('p1', 's1', Buffer.from(wav));
      expect(await f.storage.readWords('p1', 's1')).toBeNull();
      expect(await f.readAudio('p1', 's1')).toEqual(wav);
    });

    it('removes a segment audio and only that one; removing twice is fine', async () => {
      await f.storage.write('p1', 's1', Buffer.from('RIFF-1'), WORDS);
      await f.storage.write('p1', 's2', Buffer.from('RIFF-2'));
      await f.storage.remove('p1', 's1');
      await f.storage.remove('p1', 's1');
      expect(await f.readAudio('p1', 's1')).toBeNull();
      expect(await f.readWords('p1', 's1')).toBeNull();
      expect(await f.storage.readWords('p1', 's1')).toBeNull();
      expect(await f.readAudio('p1', 's2')).toEqual(Buffer.from('RIFF-2'));
    });

    it('sweeps the temporary files a crash left, and nothing else', async () => {
      expect(await f.storage.removeTemporaryFiles()).toBe(0);
      await f.storage.write('p1', 's1', Buffer.from('RIFF-whole'));
      await f.plantTemporary('p1', 's2');
      expect(await f.storage.removeTemporaryFiles()).toBe(1);
      expect(await f.listNames('p1')).toHaveLength(1);
      expect(await f.readAudio('p1', 's1')).toEqual(Buffer.from('RIFF-whole'));
    });

    it("sweeps one segment's temporary files only, its stored audio kept", async () => {
      await f.storage.write('p1', 's1', Buffer.from('RIFF-whole'));
      await f.plantTemporary('p1', 's1');
      await f.plantTemporary('p1', 's2');
      expect(await f.storage.removeTemporaryFiles({ projectId: 'p1', segmentId: 's1' })).toBe(1);
      expect(await f.listNames('p1')).toHaveLength(2);
      expect(await f.readAudio('p1', 's1')).toEqual(Buffer.from('RIFF-whole'));
      expect(await f.storage.removeTemporaryFiles()).toBe(1);
    });

    it('leaves no temporary file behind a write, and names a stable URL path', async () => {
      await f.storage.write('p1', 's1', Buffer.from('RIFF-x'), WORDS);
      expect(await f.storage.removeTemporaryFiles()).toBe(0);
      expect(f.storage.urlPath('p1', 's1')).toBe(f.storage.urlPath('p1', 's1'));
      expect(f.storage.urlPath('p1', 's1')).not.toBe(f.storage.urlPath('p1', 's2'));
    });

    it('opens a stored WAV: its size, its time, all of its bytes or a range; none is null', async () => {
      expect(await f.storage.open('p1', 's1')).toBeNull();
      await f.storage.write('p1', 's1', Buffer.from('RIFF-0123456789'), WORDS);
      const whole = await f.storage.open('p1', 's1');
      expect(whole?.size).toBe(15);
      expect(whole!.modified.getTime()).toBeGreaterThan(0);
      expect(await readAll(whole!.stream())).toBe('RIFF-0123456789');
      const part = await f.storage.open('p1', 's1');
      expect(await readAll(part!.stream({ start: 5, end: 8 }))).toBe('0123');
      const unread = await f.storage.open('p1', 's1');
      await unread!.close();
      expect(await f.storage.open('p1', 's2')).toBeNull();
    });

    it('a reader keeps the audio it opened while a write replaces it', async () => {
      await f.storage.write('p1', 's1', Buffer.from('RIFF-old'));
      const reader = await f.storage.open('p1', 's1');
      await f.storage.write('p1', 's1', Buffer.from('RIFF-new and longer'));
      expect(reader?.size).toBe(8);
      expect(await readAll(reader!.stream())).toBe('RIFF-old');
      const next = await f.storage.open('p1', 's1');
      expect(await readAll(next!.stream())).toBe('RIFF-new and longer');
    });

    it('opens neither a removed audio nor a temporary file', async () => {
      await f.storage.write('p1', 's1', Buffer.from('RIFF-1'));
      await f.storage.remove('p1', 's1');
      await f.plantTemporary('p1', 's2');
      expect(await f.storage.open('p1', 's1')).toBeNull();
      expect(await f.storage.open('p1', 's2')).toBeNull();
    });
  });
}
