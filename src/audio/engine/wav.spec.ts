import {
  durationOf,
  encodeWav,
  findChunk,
  parseWavHeader,
  riffChunk,
  wavOf,
  withChunkAppended,
} from './wav';

describe('wav', () => {
  const sampleRate = 22050;
  const samples = Int16Array.from({ length: 4410 }, (_, i) =>
    Math.round(Math.sin(i / 10) * 12_000),
  );

  it('encodes a 44-byte PCM 16-bit mono little-endian header followed by the samples', () => {
    const wav = encodeWav(samples, sampleRate);

    expect(wav.length).toBe(44 + samples.length * 2);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readInt16LE(44 + 2 * 7)).toBe(samples[7]);
    expect(wav.readInt16LE(wav.length - 2)).toBe(samples[samples.length - 1]);
  });

  it('round-trips through parseWavHeader', () => {
    expect(parseWavHeader(encodeWav(samples, sampleRate))).toEqual({
      sampleRate,
      channels: 1,
      bitsPerSample: 16,
      dataBytes: samples.length * 2,
      dataOffset: 44,
      durationSeconds: 0.2,
    });
    expect(durationOf(samples, sampleRate)).toBeCloseTo(0.2, 10);
  });

  it('reads the header from the first bytes of a file given its size', () => {
    const wav = encodeWav(samples, sampleRate);
    expect(parseWavHeader(wav.subarray(0, 64), wav.length)).toMatchObject({
      dataBytes: samples.length * 2,
      dataOffset: 44,
    });
    expect(() => parseWavHeader(wav.subarray(0, 64), wav.length - 2)).toThrow(/Truncated/);
  });

  it('encodes a view on part of a larger buffer without leaking its neighbours', () => {
    const view = samples.subarray(10, 20);
    const wav = encodeWav(view, sampleRate);

    expect(parseWavHeader(wav).dataBytes).toBe(20);
    expect(wav.readInt16LE(44)).toBe(samples[10]);
  });

  it('accepts an empty recording', () => {
    expect(parseWavHeader(encodeWav(new Int16Array(0), sampleRate))).toMatchObject({
      dataBytes: 0,
      durationSeconds: 0,
    });
  });

  it('skips unknown chunks before the data chunk', () => {
    const wav = encodeWav(samples, sampleRate);
    const list = Buffer.alloc(8 + 3 + 1); // odd-sized chunk plus its pad byte
    list.write('LIST', 0, 'ascii');
    list.writeUInt32LE(3, 4);
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
    withList.writeUInt32LE(withList.length - 8, 4);

    expect(parseWavHeader(withList).dataBytes).toBe(samples.length * 2);
  });

  it.each([0, 4, 11, 12, 20, 36, 43, 44, 100])('rejects a file truncated to %i bytes', (length) => {
    const wav = encodeWav(samples, sampleRate);
    expect(() => parseWavHeader(wav.subarray(0, length))).toThrow();
  });

  it('rejects a data chunk that promises more bytes than the file holds', () => {
    const wav = encodeWav(samples, sampleRate);
    wav.writeUInt32LE(samples.length * 2 + 2, 40);
    expect(() => parseWavHeader(wav)).toThrow(/Truncated/);
  });

  it.each([
    ['not RIFF', 0, 'RIFX'],
    ['not WAVE', 8, 'AVI '],
  ])('rejects a file that is %s', (_, offset, tag) => {
    const wav = encodeWav(samples, sampleRate);
    wav.write(tag, offset, 'ascii');
    expect(() => parseWavHeader(wav)).toThrow(/RIFF\/WAVE/);
  });

  it('rejects a non-PCM or inconsistent format', () => {
    const float = encodeWav(samples, sampleRate);
    float.writeUInt16LE(3, 20); // IEEE float
    const badByteRate = encodeWav(samples, sampleRate);
    badByteRate.writeUInt32LE(sampleRate, 28);

    expect(() => parseWavHeader(float)).toThrow(/PCM/);
    expect(() => parseWavHeader(badByteRate)).toThrow(/PCM/);
  });

  it('wavOf writes the header in the room an engine left in front of the samples: the same bytes, no copy', () => {
    const roomy = new Int16Array(new ArrayBuffer(44 + samples.byteLength), 44, samples.length);
    roomy.set(samples);
    const wav = wavOf({ samples: roomy, sampleRate, headerRoom: true });
    expect(wav.buffer).toBe(roomy.buffer);
    expect(wav.equals(encodeWav(samples, sampleRate))).toBe(true);
    expect(parseWavHeader(wav).durationSeconds).toBeCloseTo(durationOf(samples, sampleRate), 6);
  });

  it('wavOf copies when the room is not declared, or the buffer holds more than header and samples', () => {
    const roomy = new Int16Array(new ArrayBuffer(44 + samples.byteLength), 44, samples.length);
    roomy.set(samples);
    expect(wavOf({ samples: roomy, sampleRate }).buffer).not.toBe(roomy.buffer);
    const shared = new Int16Array(new ArrayBuffer(44 + samples.byteLength + 2), 44, samples.length);
    shared.set(samples);
    const copied = wavOf({ samples: shared, sampleRate, headerRoom: true });
    expect(copied.buffer).not.toBe(shared.buffer);
    expect(copied.equals(encodeWav(samples, sampleRate))).toBe(true);
    expect(
      wavOf({ samples, sampleRate, headerRoom: true }).equals(encodeWav(samples, sampleRate)),
    ).toBe(true);
  });
});

describe('chunks after the samples', () => {
  it('appends a chunk without copying the samples; the WAV parses the same, the chunk is found', () => {
    const wav = encodeWav(Int16Array.from([1, -2, 3]), 16000);
    const pieces = withChunkAppended(wav, riffChunk('sfwb', Buffer.from('odd')))!;
    expect(pieces[0]).toBe(wav);
    const file = Buffer.concat(pieces);
    expect(file.readUInt32LE(4) + 8).toBe(file.length);
    expect(file.length % 2).toBe(0); // the 3-byte body is padded
    const info = parseWavHeader(file);
    expect(info).toMatchObject({ sampleRate: 16000, dataBytes: 6, dataOffset: 44 });
    const after = file.subarray(info.dataOffset + info.dataBytes);
    expect(findChunk(after, 'sfwb')?.toString()).toBe('odd');
    expect(findChunk(after, 'LIST')).toBeNull();
    expect(findChunk(after.subarray(0, after.length - 2), 'sfwb')).toBeNull(); // cut short
  });

  it('appends nothing to bytes that are not exactly one RIFF file', () => {
    const chunk = riffChunk('sfwb', Buffer.from('x'));
    expect(withChunkAppended(Buffer.from('RIFF-a'), chunk)).toBeNull();
    const wav = encodeWav(new Int16Array(2), 8000);
    expect(withChunkAppended(Buffer.concat([wav, Buffer.from('junk')]), chunk)).toBeNull();
    expect(() => riffChunk('toolong', Buffer.alloc(0))).toThrow();
  });
});
