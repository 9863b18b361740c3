#!/usr/bin/env node
/**
 * `npm run bench` (full, about 3–4 minutes) and `npm run bench:smoke` (`--smoke`: tiny
 * durations, a few seconds of load, for CI).
 *
 * Every figure is measured next to its baseline in the same run and reported as a ratio;
 * the table is printed and written to bench/results/latest.md (smoke: smoke.md), the raw
 * figures to bench/results/latest.json. The service under test runs in its own process
 * (`dist/main.js`, built first if missing); the load generator (autocannon) runs here.
 * Benchmarks print numbers: a missed goal is reported, never an exit code. Exit 1 only
 * when something crashed. `--only=1,4` runs some sections (table rows of the others are
 * left out). See docs/PERFORMANCE.md for what each figure means.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { compare, load, median, pacedPolls } from './support/load.mjs';
import {
  APP_DIR,
  BASELINE_SERVER,
  BENCH_DIR,
  Child,
  DIST_MAIN,
  ENGINE_LINE,
  ensureBuilt,
  freePort,
  makeDataDir,
  rssOf,
  runScript,
  startBaseline,
  startRawEngine,
  startService,
  waitForEngine,
} from './support/processes.mjs';
import {
  call,
  generateAll,
  generatedProject,
  importProject,
  taskTiming,
  waitTask,
} from './support/story.mjs';
import { benchDatabase, crudMix } from './support/crud-mix.mjs';
import { fmt, renderTable } from './support/table.mjs';
import { oneWords, sentences } from './support/texts.mjs';

const args = process.argv.slice(2);
const SMOKE = args.includes('--smoke');
const ONLY = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map(Number);
const runs = (section) => !ONLY || ONLY.includes(section);
const CORES = availableParallelism();

/** Sizes and durations; smoke keeps every section but shrinks it. */
const P = SMOKE
  ? {
      rounds: 1,
      durationS: 0.5,
      warmupS: 0,
      connections: 50,
      bigTask: 100,
      busyBatch: 20,
      pollRate: 500,
      idleMaxS: 1,
      throughputTexts: 8,
      throughputWorkers: [CORES],
      memoryTasks: 1000,
      coldStarts: 1,
      coldEngine: false,
      crudRounds: 1,
      crudS: 1,
      crudClients: 2,
    }
  : {
      rounds: 3,
      durationS: 3,
      warmupS: 1,
      connections: 50,
      bigTask: 1000,
      busyBatch: 200,
      pollRate: 1000,
      idleMaxS: 8,
      throughputTexts: 100,
      throughputWorkers: [...new Set([1, CORES])],
      memoryTasks: 10_000,
      coldStarts: 3,
      coldEngine: true,
      crudRounds: 3,
      crudS: 5,
      crudClients: 4,
    };

const log = (...parts) =>
  console.error(`[bench ${((Date.now() - T0) / 1000).toFixed(0)}s]`, ...parts);
const T0 = Date.now();
const rows = [];
const raw = { mode: SMOKE ? 'smoke' : 'full', params: P };
const scratch = makeDataDir('bench-scratch');
const cleanups = [];

function statusTarget(name, server, taskId, headers = {}) {
  return { name, server, url: server.base, path: `/api/tasks/${taskId}/status/`, headers };
}

const cpuNote = (result) =>
  Number.isFinite(result.cpuUs) ? `, ${fmt.int(result.cpuUs)} µs CPU/req` : '';

function errorNote(result) {
  return result.errors > 0 ? ` (${result.errors} errors!)` : '';
}

/**
 * Sections 1–3: a task's status, served by the service (200 and 304), by a bare Fastify
 * route doing the naive thing, and by a bare Fastify route sending a constant string.
 */
async function statusSection(service, { label, ids, taskId, constantGoal }) {
  const { json: state, headers } = await call(service.base, 'GET', `/api/tasks/${taskId}/status/`);
  const etag = headers.get('etag');
  const stateFile = join(scratch, `state-${taskId}.json`);
  writeFileSync(stateFile, JSON.stringify(state));
  const bytes = Buffer.byteLength(JSON.stringify(state));
  const [naive, constant] = await Promise.all([
    startBaseline('naive', { stateFile }),
    startBaseline('constant', { stateFile }),
  ]);
  log('  baselines up');
  try {
    const result = await compare(
      [
        statusTarget('service', service, taskId),
        statusTarget('service304', service, taskId, { 'if-none-match': etag }),
        statusTarget('naive', naive, taskId),
        statusTarget('constant', constant, taskId),
      ],
      { rounds: P.rounds, durationS: P.durationS, warmupS: P.warmupS, connections: P.connections },
    );
    raw[`status_${label}`] = { bytes, result };
    const s = result.service;
    rows.push({
      id: ids[0],
      measure: `status 200, ${label} task (${fmt.int(bytes)} B), ${P.connections} conns: req/s vs naive Fastify (structuredClone + JSON.stringify per request)`,
      value: `${fmt.int(s.rps)} req/s, p99 ${fmt.ms(s.p99)}${cpuNote(s)}${errorNote(s)}`,
      baseline: `${fmt.int(result.naive.rps)} req/s, p99 ${fmt.ms(result.naive.p99)}${cpuNote(result.naive)}${errorNote(result.naive)}`,
      ratio: s.rps / result.naive.rps,
      goal: '≥ 1.0×',
      met: s.rps / result.naive.rps >= 1.0,
    });
    rows.push({
      id: ids[1],
      measure: `status 200, ${label} task: req/s vs Fastify sending a constant string (the limit)`,
      value: `${fmt.int(s.rps)} req/s${cpuNote(s)}`,
      baseline: `${fmt.int(result.constant.rps)} req/s, p99 ${fmt.ms(result.constant.p99)}${cpuNote(result.constant)}${errorNote(result.constant)}`,
      ratio: s.rps / result.constant.rps,
      goal: `≥ ${constantGoal.toFixed(1)}×`,
      met: s.rps / result.constant.rps >= constantGoal,
    });
    const n = result.service304;
    rows.push({
      id: ids[2],
      measure: `status 304 (If-None-Match) vs 200, ${label} task: req/s`,
      value: `${fmt.int(n.rps)} req/s, p99 ${fmt.ms(n.p99)}${cpuNote(n)}${errorNote(n)}`,
      baseline: `${fmt.int(s.rps)} req/s (200)${cpuNote(s)}`,
      ratio: n.rps / s.rps,
      goal: '≥ 1.5×',
      met: n.rps / s.rps >= 1.5,
    });
  } finally {
    await Promise.all([naive.stop(), constant.stop()]);
  }
}

/** Writes texts for a raw engine child; returns the file. */
function textsFile(name, texts) {
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(texts));
  return file;
}

const perSecond = (r) => ({
  ...r,
  segPerS: r.segments / r.seconds,
  audioPerS: r.audioSeconds / r.seconds,
});

/** Section 2 extra: how long generate-all of the big task took, vs the raw engine. */
async function bigTaskTiming(snapshot, texts) {
  const api = perSecond(taskTiming(snapshot));
  let rawResult;
  if (!SMOKE) {
    const engine = await startRawEngine(CORES, textsFile('one-words', texts));
    try {
      await engine.pass(); // warm-up, as the service's engine has been warmed by section 1
      rawResult = perSecond(await engine.pass());
    } finally {
      await engine.stop();
    }
  }
  raw.big_generation = { api, raw: rawResult };
  rows.push({
    id: '2c',
    measure: `generate-all of ${fmt.int(texts.length)} one-word segments (TTS_WORKERS=${CORES}), accepted → COMPLETED, vs the raw engine (warm) on the same texts`,
    value: `${fmt.s(api.seconds)} (${fmt.num(api.segPerS)} seg/s)`,
    baseline: rawResult
      ? `${fmt.s(rawResult.seconds)} (${fmt.num(rawResult.segPerS)} seg/s)`
      : '(skipped in smoke)',
    ratio: rawResult ? api.segPerS / rawResult.segPerS : undefined,
  });
}

/**
 * Section 4: status polls at an even, fixed rate (open loop) while a batch runs on every
 * worker, then the same polls with nothing synthesizing.
 */
async function busySection(service) {
  const texts = sentences(P.busyBatch, { minWords: 8, maxWords: 14, seed: 4 });
  const project = await importProject(service.base, texts, 'Busy batch');
  const accepted = await generateAll(service.base, project.id);
  const taskId = accepted.task_id;
  const finished = waitTask(service.base, taskId, { intervalMs: 100, timeoutMs: 300_000 });
  const target = statusTarget('busy', service, taskId);
  await service.loopStats(true);
  const startedAt = Date.now();
  const busy = await pacedPolls({
    ...target,
    pollers: P.connections,
    rate: P.pollRate,
    durationS: 120,
    until: finished,
  });
  const busyLoop = await service.loopStats(true);
  const final = await finished;
  const busyS = (Date.now() - startedAt) / 1000;
  // Idle: the same polls of the same (now finished, full-size) task, nothing synthesizing.
  const idleS = Math.min(P.idleMaxS, Math.max(SMOKE ? 0.5 : 2, busyS));
  await service.loopStats(true);
  const idle = await pacedPolls({
    ...target,
    pollers: P.connections,
    rate: P.pollRate,
    durationS: idleS,
  });
  const idleLoop = await service.loopStats(true);
  raw.busy = { busy, busyLoop, idle, idleLoop, busyS, idleS, final: taskTiming(final) };
  rows.push({
    id: '4a',
    measure: `status p99 at ${P.pollRate} polls/s while a ${P.busyBatch}-segment batch runs on all ${CORES} workers (${fmt.num(busyS)} s), vs idle`,
    value: `p99 ${fmt.ms(busy.latencyMs.p99)} (p50 ${fmt.ms(busy.latencyMs.p50)})${errorNote(busy)}`,
    baseline: `p99 ${fmt.ms(idle.latencyMs.p99)} (p50 ${fmt.ms(idle.latencyMs.p50)})${errorNote(idle)}`,
    ratio: busy.latencyMs.p99 / idle.latencyMs.p99,
    goal: '≤ 3.0×',
    met: busy.latencyMs.p99 / idle.latencyMs.p99 <= 3,
  });
  rows.push({
    id: '4b',
    measure: `event-loop delay p99 of the server during that batch, vs idle (same polling)`,
    value: `p99 ${fmt.ms(busyLoop.loopDelayMs.p99)} (max ${fmt.ms(busyLoop.loopDelayMs.max)})`,
    baseline: `p99 ${fmt.ms(idleLoop.loopDelayMs.p99)} (max ${fmt.ms(idleLoop.loopDelayMs.max)})`,
    ratio: busyLoop.loopDelayMs.p99 / idleLoop.loopDelayMs.p99,
    goal: '≤ 20 ms',
    met: busyLoop.loopDelayMs.p99 <= 20,
  });
}

/**
 * Section 5: segments/s and audio seconds/s through the API vs the raw engine, both warm
 * and alive at once, measured alternately (API batch, raw pass, ...) so that the load of
 * the machine hits both alike; medians of the rounds.
 */
async function throughputSection() {
  const texts = sentences(P.throughputTexts, { seed: 5 });
  const file = textsFile('throughput', texts);
  raw.throughput = {};
  for (const workers of P.throughputWorkers) {
    log(`throughput: TTS_WORKERS=${workers}`);
    const [service, engine] = await Promise.all([
      startService({ workers, label: `service-w${workers}` }),
      startRawEngine(workers, file),
    ]);
    const api = [];
    const rawPasses = [];
    try {
      // Warm-up: a first batch, and a first raw pass.
      const { project } = await generatedProject(service.base, texts, { timeoutMs: 300_000 });
      await engine.pass();
      for (let round = 0; round < P.rounds; round++) {
        const accepted = await generateAll(service.base, project.id, { force: true });
        const snapshot = await waitTask(service.base, accepted.task_id, {
          intervalMs: 100,
          timeoutMs: 300_000,
        });
        api.push(perSecond(taskTiming(snapshot)));
        rawPasses.push(perSecond(await engine.pass()));
      }
    } finally {
      await Promise.all([service.stop(), engine.stop()]);
    }
    const m = (list, key) => median(list.map((r) => r[key]));
    const errors = api.reduce((sum, r) => sum + r.errors, 0);
    raw.throughput[workers] = { api, raw: rawPasses };
    const seg = m(api, 'segPerS') / m(rawPasses, 'segPerS');
    const audio = m(api, 'audioPerS') / m(rawPasses, 'audioPerS');
    rows.push({
      id: workers === 1 ? '5a' : '5b',
      measure: `synthesis through the API (generate-all, accepted → COMPLETED), ${texts.length} sentences, TTS_WORKERS=${workers}: segments/s vs raw EspeakTtsEngine, same texts and threads (median of ${P.rounds})`,
      value: `${fmt.num(m(api, 'segPerS'))} seg/s${errors ? ` (${errors} errors!)` : ''}`,
      baseline: `${fmt.num(m(rawPasses, 'segPerS'))} seg/s`,
      ratio: seg,
      goal: '≥ 0.9×',
      met: seg >= 0.9,
    });
    rows.push({
      id: workers === 1 ? '5a′' : '5b′',
      measure: `… seconds of audio per second, TTS_WORKERS=${workers}`,
      value: `${fmt.num(m(api, 'audioPerS'))} s/s`,
      baseline: `${fmt.num(m(rawPasses, 'audioPerS'))} s/s`,
      ratio: audio,
      goal: '≥ 0.9×',
      met: audio >= 0.9,
    });
  }
}

/** Section 6: memory held by finished tasks (TaskManagerService driven in a child process). */
async function memorySection() {
  const result = await runScript(join(BENCH_DIR, 'support', 'task-memory.cjs'), {
    args: [String(P.memoryTasks)],
    execArgv: ['--expose-gc'],
    timeoutMs: 180_000,
  });
  raw.memory = result;
  const { baseline, retained, evicted, capped } = result.phases;
  const growth = (phase) => phase.rss - baseline.rss;
  const heapGrowth = (phase) => phase.heapUsed - baseline.heapUsed;
  const n = fmt.int(result.tasks);
  rows.push({
    id: '6a',
    measure: `memory after ${n} finished 10-segment tasks, all retained (cap ${n}), each polled once: RSS (heap used) vs empty manager`,
    value: `${fmt.mb(retained.rss)} (heap ${fmt.mb(retained.heapUsed)}): +${fmt.mb(growth(retained))} (heap +${fmt.mb(heapGrowth(retained))})`,
    baseline: `${fmt.mb(baseline.rss)} (heap ${fmt.mb(baseline.heapUsed)})`,
    ratio: retained.rss / baseline.rss,
    goal: SMOKE ? undefined : '≤ +50 MB',
    met: SMOKE ? undefined : growth(retained) <= 50 * 1048576,
  });
  rows.push({
    id: '6b',
    measure: `… after retention evicted them (sweep past TASK_RETENTION_SECONDS)`,
    value: `${fmt.mb(evicted.rss)} (heap ${fmt.mb(evicted.heapUsed)}): +${fmt.mb(growth(evicted))} (heap +${fmt.mb(heapGrowth(evicted))})`,
    baseline: `${fmt.mb(baseline.rss)} (heap ${fmt.mb(baseline.heapUsed)})`,
    ratio: evicted.rss / baseline.rss,
  });
  rows.push({
    id: '6c',
    measure: `… ${n} more finished tasks with TASK_MAX_RETAINED=${fmt.int(capped.cap)} (${fmt.int(capped.tasks)} kept)`,
    value: `${fmt.mb(capped.rss)} (heap ${fmt.mb(capped.heapUsed)}): +${fmt.mb(growth(capped))} (heap +${fmt.mb(heapGrowth(capped))})`,
    baseline: `${fmt.mb(baseline.rss)} (heap ${fmt.mb(baseline.heapUsed)})`,
    ratio: capped.rss / baseline.rss,
    goal: SMOKE ? undefined : '≤ +50 MB',
    met: SMOKE ? undefined : growth(capped) <= 50 * 1048576,
  });
}

/** One GET with a fresh connection; resolves with the status code, rejects on socket errors. */
function probe(port, path) {
  return new Promise((resolveProbe, reject) => {
    const request = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolveProbe(res.statusCode));
    });
    request.on('error', reject);
    request.setTimeout(2000, () => request.destroy(new Error('probe timeout')));
  });
}

/** Process start to first 200 of GET /api/settings/, and RSS then (and once the engine is up). */
async function coldStartOnce(kind) {
  const port = await freePort();
  const dataDir = makeDataDir('cold');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    kind === 'service' ? [DIST_MAIN] : [BASELINE_SERVER, 'hello'],
    {
      cwd: APP_DIR,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        TTS_WORKERS: String(CORES),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const wrapped = new Child(child, `cold-${kind}`);
  const engineLine =
    kind === 'service' && P.coldEngine ? wrapped.waitForLine(ENGINE_LINE, 120_000) : null;
  engineLine?.catch(() => undefined);
  try {
    const deadline = started + 60_000;
    let status = 0;
    while (status !== 200) {
      if (performance.now() > deadline)
        throw new Error(`${kind}: no 200 within 60 s\n${wrapped.tail.join('\n')}`);
      if (!wrapped.alive) throw new Error(`${kind} exited:\n${wrapped.tail.join('\n')}`);
      status = await probe(port, '/api/settings/').catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 5));
    }
    const firstOkMs = performance.now() - started;
    const rss = rssOf(child.pid);
    let engineMs = NaN;
    let engineRss = NaN;
    if (engineLine) {
      await waitForEngine(wrapped, engineLine, port);
      engineMs = performance.now() - started;
      engineRss = rssOf(child.pid);
    }
    return { firstOkMs, rss, engineMs, engineRss };
  } finally {
    await wrapped.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function coldStartSection() {
  const service = [];
  const hello = [];
  for (let i = 0; i < P.coldStarts; i++) {
    service.push(await coldStartOnce('service'));
    hello.push(await coldStartOnce('hello'));
  }
  const m = (list, key) => median(list.map((r) => r[key]));
  raw.coldStart = { service, hello };
  rows.push({
    id: '7a',
    measure: `cold start: process start to first 200 of GET /api/settings/ (fresh data dir; median of ${P.coldStarts})`,
    value: `${fmt.ms(m(service, 'firstOkMs'))}${P.coldEngine ? ` (TTS engine ready at ${fmt.ms(m(service, 'engineMs'))})` : ''}`,
    baseline: `${fmt.ms(m(hello, 'firstOkMs'))} (bare Fastify hello-world)`,
    ratio: m(service, 'firstOkMs') / m(hello, 'firstOkMs'),
  });
  rows.push({
    id: '7b',
    measure: `RSS right after start (at first 200${P.coldEngine ? `; once the ${CORES} TTS workers are warm` : ''})`,
    value: `${fmt.mb(m(service, 'rss'))}${P.coldEngine ? ` (${fmt.mb(m(service, 'engineRss'))} warm)` : ''}`,
    baseline: `${fmt.mb(m(hello, 'rss'))} (bare Fastify hello-world)`,
    ratio: m(service, 'rss') / m(hello, 'rss'),
  });
}

/**
 * Section 8: the CRUD mix (crud-mix.mjs) on PostgreSQL vs the SQLite file, one service process
 * each (TTS_WORKERS=1, the engine is not used), rounds alternating between the two; the median
 * rate of each. Without a PostgreSQL server the row says so.
 */
async function databaseSection() {
  const database = await benchDatabase();
  if (!database.url) {
    rows.push({
      id: '8',
      measure: 'CRUD mix on PostgreSQL vs SQLite',
      value: `skipped: no PostgreSQL at ${new URL(database.serverUrl).host} (${database.reason})`,
      baseline: '',
    });
    return;
  }
  const sqlite = await startService({ workers: 1, waitEngine: false, label: 'sqlite' });
  cleanups.push(() => sqlite.stop());
  const postgres = await startService({
    workers: 1,
    waitEngine: false,
    label: 'postgres',
    env: { DATABASE_URL: database.url },
  });
  cleanups.push(() => postgres.stop());
  try {
    const options = { clients: P.crudClients, durationS: P.crudS };
    await crudMix(sqlite.base, { ...options, durationS: Math.min(1, P.crudS) }); // warm-up
    await crudMix(postgres.base, { ...options, durationS: Math.min(1, P.crudS) });
    const results = { sqlite: [], postgres: [] };
    for (let round = 0; round < P.crudRounds; round++) {
      results.sqlite.push(await crudMix(sqlite.base, options));
      results.postgres.push(await crudMix(postgres.base, options));
    }
    raw.crudMix = results;
    const m = (list, key) => median(list.map((r) => r[key]));
    const errors = (list) => list.reduce((sum, r) => sum + r.errors, 0);
    const note = (list) => (errors(list) > 0 ? ` (${errors(list)} errors!)` : '');
    rows.push({
      id: '8',
      measure: `CRUD mix (create project, import 50 segments, list projects and segments, patch, delete), ${P.crudClients} concurrent clients: mixes/s on PostgreSQL (local server, pool of 10) vs the SQLite file`,
      value: `${m(results.postgres, 'rate').toFixed(1)} mixes/s, p99 ${fmt.ms(m(results.postgres, 'p99'))}${note(results.postgres)}`,
      baseline: `${m(results.sqlite, 'rate').toFixed(1)} mixes/s, p99 ${fmt.ms(m(results.sqlite, 'p99'))}${note(results.sqlite)} (SQLite)`,
      ratio: m(results.postgres, 'rate') / m(results.sqlite, 'rate'),
    });
  } finally {
    await Promise.all([sqlite.stop(), postgres.stop()]);
    cleanups.splice(-2, 2);
    await database.drop();
  }
}

/** A redis-server of the bench's own on a free port (no persistence), or null when absent. */
async function benchRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise((resolve) => child.once('error', (error) => resolve(error)));
  const url = `redis://127.0.0.1:${port}`;
  const { Redis } = await import('ioredis');
  for (let i = 0; i < 100; i++) {
    const error = await Promise.race([failed, new Promise((r) => setTimeout(() => r(null), 50))]);
    if (error) return { url: null, reason: error.message };
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    const up = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (up) return { url, stop: async () => void child.kill('SIGTERM') };
  }
  child.kill('SIGKILL');
  return { url: null, reason: 'redis-server did not answer' };
}

/**
 * Section 9 (issue 14): the scaled-out mode, on a private redis-server, a fresh PostgreSQL
 * database and one shared DATA_DIR, as ratios in the same run: (a) synthesis throughput of a
 * batch with 2 worker processes (ROLE=worker, TTS_WORKERS=1 each) vs 1; (b) status polls of a
 * finished task spread over 2 API nodes vs 1 (same connections in all); (c) a poll on an API
 * node that has seen the version vs the same poll on a single in-process service.
 */
async function scaleSection() {
  const database = await benchDatabase();
  const redis = await benchRedis();
  const skip = (why) =>
    rows.push({
      id: '9',
      measure: 'Scale-out on Redis (issue 14)',
      value: `skipped: ${why}`,
      baseline: '',
    });
  if (!database.url) return skip(`no PostgreSQL (${database.reason})`);
  if (!redis.url) {
    await database.drop();
    return skip(`no redis-server (${redis.reason})`);
  }
  const shared = makeDataDir('scale-shared');
  const env = (role) => ({
    ROLE: role,
    REDIS_URL: redis.url,
    DATABASE_URL: database.url,
    DATA_DIR: shared,
  });
  const started = [];
  const start = async (options) => {
    const service = await startService(options);
    started.push(service);
    return service;
  };
  try {
    const apiA = await start({ waitEngine: false, label: 'api-a', env: env('api') });
    const apiB = await start({ waitEngine: false, label: 'api-b', env: env('api') });
    await start({ workers: 1, label: 'worker-1', env: env('worker') });
    const texts = sentences(P.throughputTexts, { minWords: 4, maxWords: 10, seed: 9 });
    const { id: projectId } = await importProject(apiA.base, texts, 'Scale bench');
    const rate = async () => {
      const { task_id: taskId } = await generateAll(apiA.base, projectId, { force: true });
      const snapshot = await waitTask(apiB.base, taskId, { intervalMs: 200, timeoutMs: 600_000 });
      const timing = taskTiming(snapshot);
      return { taskId, segmentsPerS: timing.segments / timing.seconds, ...timing };
    };
    log('  9a: one worker process');
    const one = await rate();
    await start({ workers: 1, label: 'worker-2', env: env('worker') });
    log('  9a: two worker processes');
    const two = await rate();
    raw.scaleThroughput = { one, two };
    rows.push({
      id: '9a',
      measure: `Scale-out: a ${texts.length}-segment batch, segments/s with 2 worker processes (TTS_WORKERS=1 each) vs 1`,
      value: `${two.segmentsPerS.toFixed(2)} segments/s (${two.errors} errors)`,
      baseline: `${one.segmentsPerS.toFixed(2)} segments/s (1 worker)`,
      ratio: two.segmentsPerS / one.segmentsPerS,
    });

    log('  9b: polls over 2 API nodes vs 1');
    const path = `/api/tasks/${two.taskId}/status/`;
    const half = Math.max(1, Math.floor(P.connections / 2));
    const single = [];
    const pair = [];
    for (let round = 0; round < P.rounds; round++) {
      single.push(
        (await load({ url: apiA.base, path, connections: P.connections, durationS: P.durationS }))
          .rps,
      );
      const both = await Promise.all(
        [apiA, apiB].map((api) =>
          load({ url: api.base, path, connections: half, durationS: P.durationS }),
        ),
      );
      pair.push(both[0].rps + both[1].rps);
    }
    raw.scalePolls = { single, pair };
    rows.push({
      id: '9b',
      measure: `Scale-out: status polls of a finished task, ${P.connections} connections spread over 2 API nodes vs all on 1 (one machine: both share its cores)`,
      value: `${fmt.int(median(pair))} req/s (2 API nodes)`,
      baseline: `${fmt.int(median(single))} req/s (1 API node)`,
      ratio: median(pair) / median(single),
    });

    log('  9c: a seen-version poll vs in process');
    const inProcess = await start({ workers: 1, label: 'in-process' });
    const local = await generatedProject(inProcess.base, texts.slice(0, 10));
    const seen = await generatedProject(apiA.base, texts.slice(0, 10), {
      intervalMs: 200,
      timeoutMs: 600_000,
    });
    const result = await compare(
      [
        statusTarget('scaled', apiA, seen.taskId),
        statusTarget('inProcess', inProcess, local.taskId),
      ],
      { rounds: P.rounds, durationS: P.durationS, warmupS: P.warmupS, connections: P.connections },
    );
    raw.scaleSeenPoll = result;
    rows.push({
      id: '9c',
      measure:
        "Scale-out: a 10-segment task's status poll on an API node that has seen its version (REDIS_URL) vs a single in-process service",
      value: `${fmt.int(result.scaled.rps)} req/s${cpuNote(result.scaled)}${errorNote(result.scaled)}`,
      baseline: `${fmt.int(result.inProcess.rps)} req/s${cpuNote(result.inProcess)}${errorNote(result.inProcess)} (in process)`,
      ratio: result.scaled.rps / result.inProcess.rps,
    });
  } finally {
    await Promise.all(started.map((service) => service.stop()));
    await redis.stop();
    await database.drop();
    rmSync(shared, { recursive: true, force: true });
  }
}

function header() {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return [
    `# StoryFlow Voice benchmarks${SMOKE ? ' (smoke: tiny runs, a check that everything runs; not figures to compare)' : ''}`,
    '',
    `Node ${process.version} · ${CORES} cores (${cpu}) · ${process.platform} ${process.arch} · ` +
      `load average at start ${loadavg()[0].toFixed(2)} · ${new Date().toISOString()}`,
    '',
  ].join('\n');
}

async function main() {
  const head = header();
  ensureBuilt(log);
  log(`mode ${raw.mode}, ${CORES} cores, Node ${process.version}`);

  if (runs(1) || runs(2) || runs(3) || runs(4)) {
    log(`starting the service (TTS_WORKERS=${CORES})`);
    const service = await startService({ workers: CORES, label: 'service' });
    cleanups.push(() => service.stop());
    try {
      if (runs(1) || runs(3)) {
        log('status of a 10-segment task');
        const { taskId } = await generatedProject(
          service.base,
          sentences(10, { minWords: 3, maxWords: 6, seed: 1 }),
        );
        log('  generated; measuring');
        await statusSection(service, {
          label: '10-segment',
          ids: ['1a', '1b', '3a'],
          taskId,
          // Issue 16: at 10 segments the constant route is half a poll's work at most.
          constantGoal: 0.5,
        });
      }
      if (runs(2) || runs(3)) {
        log(`generating a ${P.bigTask}-segment task (one word each)`);
        const texts = oneWords(P.bigTask);
        const { taskId, snapshot } = await generatedProject(service.base, texts, {
          intervalMs: 200,
          timeoutMs: 600_000,
        });
        log(`  took ${fmt.s(taskTiming(snapshot).seconds)}`);
        await statusSection(service, {
          label: `${fmt.int(P.bigTask)}-segment`,
          ids: ['2a', '2b', '3b'],
          taskId,
          constantGoal: 0.8,
        });
        await bigTaskTiming(snapshot, texts);
      }
      if (runs(4)) {
        log(`polling while a ${P.busyBatch}-segment batch runs`);
        await busySection(service);
      }
    } finally {
      await service.stop();
      cleanups.pop();
    }
  }
  if (runs(5)) await throughputSection();
  if (runs(6)) {
    log(`memory of ${fmt.int(P.memoryTasks)} finished tasks`);
    await memorySection();
  }
  if (runs(7)) {
    log('cold start');
    await coldStartSection();
  }
  if (runs(8)) {
    log('CRUD mix on PostgreSQL vs SQLite');
    await databaseSection();
  }
  if (runs(9)) {
    log('scale-out on Redis: 2 worker processes vs 1, 2 API nodes vs 1, seen-version poll');
    await scaleSection();
  }

  rows.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const took = (Date.now() - T0) / 1000;
  // Smoke runs are too short to judge a goal: the column keeps the goal, without a verdict.
  const table = renderTable(SMOKE ? rows.map((row) => ({ ...row, met: undefined })) : rows);
  const document = `${head}\n${table}\n\nTook ${took.toFixed(0)} s. Ratios are service ÷ baseline (rates), so above 1 is better for rows 1–3, 5, 8 and 9, below 1 is better for 4, 6 and 7. Server CPU µs/req: CPU time of the whole server process per request. How each figure is measured, and what limits it: docs/PERFORMANCE.md.\n`;
  console.log(`\n${document}`);
  const resultsDir = join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const name = SMOKE ? 'smoke' : ONLY ? 'partial' : 'latest';
  writeFileSync(join(resultsDir, `${name}.md`), document);
  writeFileSync(
    join(resultsDir, `${name}.json`),
    `${JSON.stringify({ ...raw, rows, took }, null, 2)}\n`,
  );
  log(`wrote bench/results/${name}.md and ${name}.json`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
