import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Decodes an MP3 (mpg123-decoder) or FLAC (@wasm-audio-decoders/flac) file; both packages are
 * ESM only, so in a child Node process.
 */
export async function decodeAudioFile(
  file: string,
  format: 'mp3' | 'flac',
): Promise<{ sampleRate: number; samples: number; errors: number }> {
  const script =
    (format === 'mp3'
      ? `import { MPEGDecoder as Decoder } from 'mpg123-decoder';`
      : `import { FLACDecoder as Decoder } from '@wasm-audio-decoders/flac';`) +
    `import { readFileSync } from 'node:fs';` +
    `const d = new Decoder(); await d.ready;` +
    // decodeFile flushes the last FLAC frame (decode keeps it until the next sync code).
    `const r = await d.${format === 'mp3' ? 'decode' : 'decodeFile'}(readFileSync(process.argv[1]));` +
    `await d.free();` +
    `console.log(JSON.stringify({ sampleRate: r.sampleRate, samples: r.samplesDecoded, errors: r.errors.length }));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, file],
    { cwd: join(__dirname, '..', '..') },
  );
  return JSON.parse(stdout) as { sampleRate: number; samples: number; errors: number };
}
