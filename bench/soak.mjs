#!/usr/bin/env node
/**
 * `npm run soak`: 200 concurrent pollers and 4 concurrent generate-all batches against a
 * real server process on loopback, for SOAK_SECONDS (default 30). Every answer that is not
 * 2xx/304 and every socket error or timeout counts as an error; the goal is 0.
 *
 * - The server: `dist/main.js` (built first if missing) in its own process, TTS_WORKERS =
 *   cores, with the loop-monitor preload (event-loop delay and memory of its main thread).
 *   RATE_LIMIT_GENERATION_PER_MINUTE is raised: the 4 batch drivers share one client IP and
 *   would trip the per-client generation limit on a fast machine; the limiter is not what
 *   this harness tests.
 * - Batch drivers (SOAK_BATCHES, default 4): each owns a project of SOAK_SEGMENTS (default 40)
 *   sentences and runs generate-all on it again and again (force_regenerate after the first),
 *   waiting for each task to finish (polling it every 250 ms), until the time is up; the last
 *   batches are then awaited (bounded) so every task is accounted for.
 * - Pollers (SOAK_POLLERS, default 200): one keep-alive connection each, polling the status
 *   of the batch task it follows back to back (a closed loop, no think time: far more than
 *   200 browser tabs polling every 2 s). Even-numbered pollers revalidate with If-None-Match,
 *   as a browser's HTTP cache does; odd ones fetch the full body, as StoryFlow's client does.
 *
 * Prints a summary and writes it to bench/results/soak.md (raw figures: soak.json).
 * Exit code 0 unless the harness itself crashed: errors are reported, not thrown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { load, median } from './support/load.mjs';
import { BENCH_DIR, ensureBuilt, startService } from './support/processes.mjs';
import { call, generateAll, importProject } from './support/story.mjs';
import { fmt } from './support/table.mjs';
import { sentences } from './support/texts.mjs';

const int = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const SECONDS = int('SOAK_SECONDS', 30);
const POLLERS = int('SOAK_POLLERS', 200);
const BATCHES = int('SOAK_BATCHES', 4);
const SEGMENTS = int('SOAK_SEGMENTS', 40);
const WORKERS = int('TTS_WORKERS', availableParallelism());
const DRIVER_POLL_MS = 250;
/** How long the last batches may take after the time is up. */
const DRAIN_TIMEOUT_MS = 120_000;

const T0 = Date.now();
const log = (...parts) =>
  console.error(`[soak ${((Date.now() - T0) / 1000).toFixed(0)}s]`, ...parts);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Task id each batch driver is running now; pollers follow these. */
const live = [];
const driverStats = {
  batchesStarted: 0,
  batchesCompleted: 0,
  batchesFailed: 0,
  segmentsDone: 0,
  segmentErrors: 0,
  audioSeconds: 0,
  requests: 0,
  errors: 0,
  errorSamples: [],
  batchSeconds: [],
};

function driverError(what) {
  driverStats.errors += 1;
  if (driverStats.errorSamples.length < 10) driverStats.errorSamples.push(what);
}

/** One batch driver: generate-all, wait, again, until `deadline`. */
async function driver(base, index, projectId, deadline) {
  let first = true;
  while (Date.now() < deadline) {
    driverStats.requests += 1;
    let accepted;
    try {
      accepted = await generateAll(base, projectId, { force: !first });
    } catch (error) {
      driverError(`generate-all: ${error.message}`);
      await sleep(DRIVER_POLL_MS);
      continue;
    }
    first = false;
    driverStats.batchesStarted += 1;
    live[index] = accepted.task_id;
    const started = Date.now();
    const giveUp = Math.max(deadline, Date.now()) + DRAIN_TIMEOUT_MS;
    for (;;) {
      await sleep(DRIVER_POLL_MS);
      driverStats.requests += 1;
      let res;
      try {
        res = await call(base, 'GET', `/api/tasks/${accepted.task_id}/status/`);
      } catch (error) {
        driverError(`status: ${error.message}`);
        continue;
      }
      if (res.status !== 200) {
        driverError(`status: HTTP ${res.status} ${res.text.slice(0, 200)}`);
        continue;
      }
      const snapshot = res.json;
      if (snapshot.status === 'COMPLETED' || snapshot.status === 'FAILED') {
        driverStats.batchSeconds.push((Date.now() - started) / 1000);
        if (snapshot.status === 'COMPLETED') driverStats.batchesCompleted += 1;
        else driverStats.batchesFailed += 1;
        driverStats.segmentsDone += snapshot.completed_segments.length;
        driverStats.segmentErrors += snapshot.errors.length;
        driverStats.audioSeconds += snapshot.completed_segments.reduce((s, c) => s + c.duration, 0);
        break;
      }
      if (Date.now() > giveUp) {
        driverError(
          `task ${accepted.task_id} still ${snapshot.status} ${DRAIN_TIMEOUT_MS} ms after the end`,
        );
        break;
      }
    }
  }
}

/**
 * Per-connection setup for autocannon: each connection follows one batch's live task and,
 * after every answer, aims its next request at that batch's current task (with the ETag it
 * last saw for it, on even-numbered connections).
 */
function pollerSetup() {
  let next = 0;
  return (client) => {
    const me = next++;
    const revalidate = me % 2 === 0;
    let etag;
    let etagTask;
    const request = () => {
      const taskId = live[me % live.length];
      const headers = revalidate && etag && etagTask === taskId ? { 'if-none-match': etag } : {};
      return { method: 'GET', path: `/api/tasks/${encodeURIComponent(taskId)}/status/`, headers };
    };
    client.setRequests([request()]);
    client.on('headers', ({ headers }) => {
      for (let i = 0; i < headers.length; i += 2) {
        if (String(headers[i]).toLowerCase() === 'etag') {
          etag = String(headers[i + 1]);
          etagTask = live[me % live.length];
        }
      }
    });
    client.on('response', () => client.setRequests([request()]));
  };
}

async function main() {
  ensureBuilt(log);
  log(
    `${POLLERS} pollers, ${BATCHES} batches of ${SEGMENTS} segments, ${SECONDS} s, TTS_WORKERS=${WORKERS}`,
  );
  const service = await startService({
    workers: WORKERS,
    label: 'soak',
    env: { RATE_LIMIT_GENERATION_PER_MINUTE: '100000' },
  });
  try {
    const projects = [];
    for (let i = 0; i < BATCHES; i++) {
      const texts = sentences(SEGMENTS, { minWords: 6, maxWords: 12, seed: 100 + i });
      projects.push(await importProject(service.base, texts, `Soak story ${i + 1}`));
    }
    const before = await service.loopStats(true);
    const deadline = Date.now() + SECONDS * 1000;
    const drivers = projects.map((project, i) => driver(service.base, i, project.id, deadline));
    while (live.filter(Boolean).length < BATCHES) await sleep(10);

    log('load running');
    const polls = await load({
      url: service.base,
      path: `/api/tasks/${live[0]}/status/`,
      connections: POLLERS,
      durationS: SECONDS,
      setupClient: pollerSetup(),
    });
    const during = await service.loopStats(true);
    log('time is up: waiting for the running batches to finish');
    await Promise.all(drivers);
    const after = await service.loopStats(false);
    const health = await call(service.base, 'GET', '/api/health').catch(() => null);

    const totalErrors =
      polls.errors + driverStats.errors + driverStats.batchesFailed + driverStats.segmentErrors;
    const result = {
      seconds: SECONDS,
      pollers: POLLERS,
      batches: BATCHES,
      segments: SEGMENTS,
      workers: WORKERS,
      polls,
      driver: driverStats,
      loop: { before, during, after },
      totalErrors,
    };
    const soakDuration = polls.durationS;
    const lines = [
      `# StoryFlow Voice soak`,
      '',
      `Node ${process.version} · ${availableParallelism()} cores (${cpus()[0]?.model?.trim()}) · ${process.platform} ${process.arch} · load average at start ${loadavg()[0].toFixed(2)} · ${new Date().toISOString()}`,
      '',
      `${POLLERS} pollers (closed loop, half with If-None-Match) + ${BATCHES} generate-all batches of ${SEGMENTS} segments, ${SECONDS} s, TTS_WORKERS=${WORKERS}.`,
      '',
      '| figure | value |',
      '|---|---|',
      `| **errors** (non-2xx/304 answers, socket errors, timeouts, failed tasks or segments) | **${totalErrors}** (polls: ${polls.errors}, of which socket ${polls.socketErrors} / timeouts ${polls.timeouts}; drivers: ${driverStats.errors}; failed tasks: ${driverStats.batchesFailed}; failed segments: ${driverStats.segmentErrors}) |`,
      `| status polls | ${fmt.int(polls.total)} in ${fmt.num(soakDuration)} s = ${fmt.int(polls.rps)}/s; ${Object.entries(
        polls.statusCounts,
      )
        .map(([c, n]) => `${c}: ${fmt.int(n)}`)
        .join(', ')} |`,
      `| status poll latency | p50 ${fmt.ms(polls.latencyMs.p50)} · p90 ${fmt.ms(polls.latencyMs.p90)} · p99 ${fmt.ms(polls.latencyMs.p99)} · max ${fmt.ms(polls.latencyMs.max)} |`,
      `| batches | ${driverStats.batchesStarted} started, ${driverStats.batchesCompleted} completed, ${driverStats.batchesFailed} failed; median ${fmt.s(median(driverStats.batchSeconds))} each |`,
      `| synthesis | ${fmt.int(driverStats.segmentsDone)} segments (${fmt.num(driverStats.audioSeconds / 60)} min of audio) |`,
      `| server event-loop delay during the load | p50 ${fmt.ms(during.loopDelayMs.p50)} · p99 ${fmt.ms(during.loopDelayMs.p99)} · max ${fmt.ms(during.loopDelayMs.max)} |`,
      `| server memory | RSS ${fmt.mb(before.memory.rss)} before → ${fmt.mb(during.memory.rss)} at the end of the load → ${fmt.mb(after.memory.rss)} after the drain; heap used ${fmt.mb(before.memory.heapUsed)} → ${fmt.mb(during.memory.heapUsed)} → ${fmt.mb(after.memory.heapUsed)} |`,
      `| health after the soak | ${health ? `HTTP ${health.status}` : 'no answer'} |`,
      '',
      driverStats.errorSamples.length
        ? `Driver errors (first ${driverStats.errorSamples.length}):\n${driverStats.errorSamples.map((e) => `- ${e}`).join('\n')}\n`
        : '',
      `Took ${((Date.now() - T0) / 1000).toFixed(0)} s.`,
      '',
    ];
    const document = lines.join('\n');
    console.log(`\n${document}`);
    const dir = join(BENCH_DIR, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'soak.md'), document);
    writeFileSync(join(dir, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    log('wrote bench/results/soak.md and soak.json');
  } finally {
    await service.stop();
  }
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.error(error);
  exitCode = 1;
}
process.exit(exitCode);
