/**
 * The raw engine, no HTTP and no database: `EspeakTtsEngine` from dist/ with a given number
 * of worker threads, synthesizing a list of texts all queued at once (the engine's own
 * maximum throughput). Forked by the bench with an IPC channel:
 *
 *   fork('bench/support/raw-engine.mjs', [workers, textsFile, voice?])
 *   → {type: 'ready'} once the engine is warm;
 *   ← {type: 'pass', id}  → {type: 'pass', id, seconds, segments, audioSeconds} (one pass);
 *   ← {type: 'exit'}      closes the engine and exits.
 *
 * Run by hand (no IPC) it does one warm-up pass and one measured pass and prints the result.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST_DIR } from './processes.mjs';

const require = createRequire(import.meta.url);
const { EspeakTtsEngine } = require(join(DIST_DIR, 'audio', 'engine', 'espeak-tts.engine.js'));

const [workersArg, textsFile, voice = 'en-us+f3'] = process.argv.slice(2);
const workers = Number(workersArg);
const texts = JSON.parse(readFileSync(textsFile, 'utf8'));

async function pass(engine) {
  const started = performance.now();
  const results = await Promise.all(
    texts.map((text) => engine.synthesize({ text, voice, speed: 1 })),
  );
  const seconds = (performance.now() - started) / 1000;
  const audioSeconds = results.reduce((sum, r) => sum + r.samples.length / r.sampleRate, 0);
  return { seconds, segments: results.length, audioSeconds, workers };
}

const engine = new EspeakTtsEngine({ workers });
try {
  await engine.start();
} catch (error) {
  if (process.send) process.send({ type: 'ready', error: String(error) }, () => process.exit(1));
  else {
    console.error(error);
    process.exit(1);
  }
}

if (process.send) {
  process.on('message', (message) => {
    if (message?.type === 'pass') {
      pass(engine).then(
        (result) => process.send({ type: 'pass', id: message.id, ...result }),
        (error) => process.send({ type: 'pass', id: message.id, error: String(error) }),
      );
    } else if (message?.type === 'exit') {
      void engine.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
} else {
  await pass(engine);
  console.log(JSON.stringify(await pass(engine)));
  await engine.close();
  process.exit(0);
}
