import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { mp3EncoderStream } from './narration-mp3';

/** One second of a 440 Hz tone at 22,050 Hz, as little-endian 16-bit PCM. */
function tone(): Buffer {
  const samples = new Int16Array(22_050);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 22_050));
  }
  return Buffer.from(samples.buffer);
}

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

describe('mp3EncoderStream', () => {
  it('gives the same MP3 whatever the chunking, odd byte counts included', async () => {
    const pcm = tone();
    const whole = await buffer(Readable.from([pcm]).pipe(mp3EncoderStream(22_050)));
    const odd = await buffer(Readable.from(chunks(pcm, 1001)).pipe(mp3EncoderStream(22_050)));
    expect(whole.length).toBeGreaterThan(1000);
    expect(whole.readUInt16BE(0) & 0xffe0).toBe(0xffe0); // starts with a frame sync
    expect(odd.equals(whole)).toBe(true);
  });
});
