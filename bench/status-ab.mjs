#!/usr/bin/env node
/**
 * Status poll cost of two builds side by side, interleaved in one run: `dist/` of this
 * checkout ("after") and of BENCH_BEFORE_DIR ("before"), 200 and 304 polls of the same
 * 10-segment task each, server CPU µs per request (medians of the rounds).
 *
 *   BENCH_BEFORE_DIR=../before node bench/status-ab.mjs [--rounds=5] [--seconds=3]
 *   node bench/status-ab.mjs [name=dir ...]   (any builds, in that order)
 */
import { resolve } from 'node:path';
import { compare } from './support/load.mjs';
import { ensureBuilt, ROOT, startService } from './support/processes.mjs';
import { call, generatedProject } from './support/story.mjs';
import { sentences } from './support/texts.mjs';
import { namedBuilds, numberOption as opt } from './support/args.mjs';

const named = namedBuilds();
const before = process.env.BENCH_BEFORE_DIR;
if (!named.length && !before) {
  throw new Error('Set BENCH_BEFORE_DIR to the checkout (with dist/) to compare with');
}
const builds = named.length ? Object.fromEntries(named) : { before: resolve(before), after: ROOT };
if (!named.length) ensureBuilt();
const services = {};
try {
  const targets = [];
  for (const [name, appDir] of Object.entries(builds)) {
    const service = await startService({ workers: 1, label: name, appDir });
    services[name] = service;
    const texts = sentences(10, { minWords: 3, maxWords: 6, seed: 1 });
    const { taskId } = await generatedProject(service.base, texts, { timeoutMs: 120_000 });
    const path = `/api/tasks/${taskId}/status/`;
    const etag = (await call(service.base, 'GET', path)).headers.get('etag');
    targets.push({ name, server: service, url: service.base, path, headers: {} });
    targets.push({
      name: `${name} 304`,
      server: service,
      url: service.base,
      path,
      headers: { 'if-none-match': etag },
    });
  }
  const result = await compare(targets, {
    rounds: opt('rounds', 5),
    durationS: opt('seconds', 3),
    warmupS: 1,
    connections: 50,
  });
  for (const [name, r] of Object.entries(result)) {
    const cpu = r.rounds.map((x) => Math.round(x.cpuUsPerRequest)).join(' ');
    console.log(
      `${name.padEnd(12)} ${Math.round(r.rps)} req/s  ${r.cpuUs.toFixed(1)} µs CPU/req (rounds: ${cpu})  errors ${r.errors}`,
    );
  }
} finally {
  await Promise.all(Object.values(services).map((s) => s.stop()));
}
