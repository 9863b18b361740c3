#!/usr/bin/env node
/**
 * `POST /v1/audio/speech` on the built service (dist/): time to the first byte against the
 * total time of a long input, and each format's size, for one engine's worker pool.
 *
 *   node bench/openai-speech.mjs [--chars=3000] [--workers=1] [--rounds=3]
 *
 * Prints one line per format with the median over the rounds. Bounded: the service start and
 * every request have a timeout.
 */
import { ensureBuilt, startService } from './support/processes.mjs';
import { numberOption as opt } from './support/args.mjs';

const chars = opt('chars', 3000);
const workers = opt('workers', 1);
const rounds = opt('rounds', 3);

const words = ['keeper', 'lamp', 'harbour', 'gull', 'tide', 'rope', 'lantern', 'storm'];
let input = '';
for (let i = 0; input.length < chars; i++) {
  input += `Sentence ${i + 1} tells how the ${words[i % 8]} met the ${words[(i + 3) % 8]} at dawn. `;
}
input = input.slice(0, chars);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

ensureBuilt();
const service = await startService({ workers, label: 'openai-speech' });
try {
  console.log(`${chars} characters, eSpeak NG, ${workers} worker(s), median of ${rounds}`);
  for (const format of ['pcm', 'wav', 'mp3', 'flac']) {
    const first = [];
    const total = [];
    let bytes = 0;
    let sampleRate = 0;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const response = await fetch(`${service.base}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'af_bella', input, response_format: format }),
        signal: AbortSignal.timeout(600_000),
      });
      if (!response.ok) throw new Error(`${format}: ${response.status} ${await response.text()}`);
      sampleRate = Number(response.headers.get('x-sample-rate'));
      const reader = response.body.getReader();
      bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) first.push(performance.now() - started);
        bytes += value.length;
      }
      total.push(performance.now() - started);
    }
    const ttfb = median(first);
    const all = median(total);
    console.log(
      `${format.padEnd(4)} first byte ${ttfb.toFixed(0).padStart(6)} ms, total ${all.toFixed(0).padStart(6)} ms ` +
        `(${((100 * ttfb) / all).toFixed(1)} %), ${(bytes / 1024).toFixed(0)} KiB at ${sampleRate} Hz`,
    );
  }
} finally {
  await service.stop();
}
