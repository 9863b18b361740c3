#!/usr/bin/env node
/**
 * Status poll cost of two builds side by side, interleaved in one run: `dist/` of this
 * checkout ("after") and of BENCH_BEFORE_DIR ("before"), 200 and 304 polls of the same
 * 10-segment task each, server CPU µs per request (medians of the rounds).
 *
 *   BENCH_BEFORE_DIR=../before node bench/status-ab.mjs [--rounds=5] [--seconds=3] [--starts=1]
 *   node bench/status-ab.mjs [name=dir ...]   (any builds, in that order)
 *
 * The order of the builds changes every round (A B, B A, ...), so that neither is always
 * measured first. One process of a build can sit 10–20 % above or below another process of
 * the same build for its whole life (seen: 19.1 and 22.7 µs per 200 poll for the same build
 * in two runs 3 minutes apart; 21.6–25.0 µs over six processes in one run), so one process
 * per build cannot show a difference smaller than that: `--starts=N` measures N fresh
 * processes of each build in turn (start order alternating), each `--rounds` times, and
 * reports the median over processes of each process's median (per-process medians printed).
 * On the shared 2-core machine, `taskset -c 0 node bench/status-ab.mjs ...` (this process, the
 * load generator and the servers on one core) narrowed the per-process medians of a build
 * to a range of 0.7–1.2 µs per poll in one run with 4 processes per build, where unpinned
 * runs spread up to 5 µs between processes.
 */
import { resolve } from 'node:path';
import { compare, median } from './support/load.mjs';
import { ensureBuilt, ROOT, startService } from './support/processes.mjs';
import { call, generatedProject } from './support/story.mjs';
import { sentences } from './support/texts.mjs';
import { namedBuilds, numberOption as opt } from './support/args.mjs';

const named = namedBuilds();
const before = process.env.BENCH_BEFORE_DIR;
if (!named.length && !before) {
  throw new Error('Set BENCH_BEFORE_DIR to the checkout (with dist/) to compare with');
}
const builds = named.length ? named : [['before', resolve(before)], ['after', ROOT]];
if (!named.length) ensureBuilt();
const starts = opt('starts', 1);
const rounds = opt('rounds', 5);
const names = builds.map(([name]) => name);
const kinds = names.flatMap((name) => [name, `${name} 304`]);
/** Per target: one entry per process, each with that process's rounds. */
const measured = Object.fromEntries(kinds.map((kind) => [kind, []]));

for (let start = 0; start < starts; start++) {
  const services = {};
  try {
    const targets = {};
    for (const [name, appDir] of start % 2 ? [...builds].reverse() : builds) {
      const service = await startService({ workers: 1, label: name, appDir });
      services[name] = service;
      const texts = sentences(10, { minWords: 3, maxWords: 6, seed: 1 });
      const { taskId } = await generatedProject(service.base, texts, { timeoutMs: 120_000 });
      const path = `/api/tasks/${taskId}/status/`;
      const etag = (await call(service.base, 'GET', path)).headers.get('etag');
      const target = { server: service, url: service.base, path };
      targets[name] = [
        { ...target, name, headers: {} },
        { ...target, name: `${name} 304`, headers: { 'if-none-match': etag } },
      ];
    }
    const runs = Object.fromEntries(kinds.map((kind) => [kind, []]));
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => names[(i + round + start) % names.length]);
      const result = await compare(
        order.flatMap((name) => targets[name]),
        { rounds: 1, durationS: opt('seconds', 3), warmupS: round === 0 ? 1 : 0, connections: 50 },
      );
      for (const [kind, r] of Object.entries(result)) runs[kind].push(r.rounds[0]);
    }
    for (const kind of kinds) measured[kind].push(runs[kind]);
  } finally {
    await Promise.all(Object.values(services).map((s) => s.stop()));
  }
}

for (const kind of kinds) {
  const processes = measured[kind];
  const cpu = (runs) => median(runs.map((r) => r.cpuUsPerRequest));
  const rps = median(processes.map((runs) => median(runs.map((r) => r.rps))));
  const errors = processes.flat().reduce((sum, r) => sum + r.errors, 0);
  const detail =
    starts > 1
      ? `per process: ${processes.map((runs) => cpu(runs).toFixed(1)).join(' ')}`
      : `rounds: ${processes[0].map((r) => Math.round(r.cpuUsPerRequest)).join(' ')}`;
  console.log(
    `${kind.padEnd(12)} ${Math.round(rps)} req/s  ${median(processes.map(cpu)).toFixed(1)} µs CPU/req (${detail})  errors ${errors}`,
  );
}
