import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namedBuilds, numberOption as opt } from './args.mjs';
import { makeDataDir } from './processes.mjs';
import { oneWords, sentences } from './texts.mjs';

/**
 * The command line of the synthesis A/B benches (synth-ab.mjs, thread-cpu.mjs): the builds
 * (`name=dir …`, each with dist/), `--words=N` one-word segments or `--sentences=N`,
 * `--workers` and `--rounds`; the texts are also written to a scratch folder (`textsFile`)
 * for the raw engine.
 */
export function synthesisOptions(label) {
  const builds = namedBuilds().map(([name, appDir]) => ({ name, appDir }));
  if (!builds.length) throw new Error('Name the builds to compare: name=dir (each with dist/)');
  const words = opt('words', 0);
  const count = words || opt('sentences', 100);
  const texts = words ? oneWords(words) : sentences(count, { seed: 5 });
  const scratch = makeDataDir(label);
  const textsFile = join(scratch, 'texts.json');
  writeFileSync(textsFile, JSON.stringify(texts));
  return {
    builds,
    words,
    count,
    workers: opt('workers', 2),
    rounds: opt('rounds', 3),
    texts,
    scratch,
    textsFile,
  };
}
