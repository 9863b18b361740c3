#!/usr/bin/env node
/**
 * CPU profile of the service's main thread while the status endpoint is under load:
 * starts the service (dist/), creates a finished task of `--segments=N` segments, runs
 * autocannon (50 connections) for `--seconds=S` against its status (with `--etag`: as
 * 304 polls), profiles exactly that window, writes the `.cpuprofile` to the temp dir and
 * prints self time by package and by function.
 *
 *   node bench/profile.mjs [--segments=10] [--seconds=5] [--etag] [--busy=200]
 *
 * `--busy=N` profiles instead a window in which an N-segment batch synthesizes while the
 * status is polled at `--rate=R` requests/s (default 1000); `--words=N` the same with N one-word
 * segments (bench row 2c: the fixed cost per segment), and prints the segments per second.
 * Bounded: every wait has a timeout.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { load } from './support/load.mjs';
import { ensureBuilt, startService } from './support/processes.mjs';
import { summarise } from './support/profile-summary.mjs';
import { call, generateAll, generatedProject, importProject, waitTask } from './support/story.mjs';
import { oneWords, sentences } from './support/texts.mjs';
import { numberOption as opt } from './support/args.mjs';

const segments = opt('segments', 10);
const seconds = opt('seconds', 5);
const words = opt('words', 0);
const busy = opt('busy', 0) || words;
const rate = opt('rate', 1000);
const etag = process.argv.includes('--etag');

ensureBuilt();
const service = await startService({ workers: availableParallelism(), label: 'profiled' });
try {
  const file = join(
    tmpdir(),
    `storyflow-${busy ? `${words ? 'words' : 'busy'}${busy}` : `status${segments}${etag ? '-304' : ''}`}-${Date.now()}.cpuprofile`,
  );
  if (busy) {
    const project = await importProject(
      service.base,
      words ? oneWords(words) : sentences(busy, { minWords: 8, maxWords: 14, seed: 4 }),
    );
    const cpuBefore = (await service.loopStats()).cpu;
    const started = performance.now();
    const { task_id: taskId } = await generateAll(service.base, project.id);
    const finished = waitTask(service.base, taskId, { intervalMs: 100, timeoutMs: 300_000 });
    await service.cpuProfile('start');
    const result = await load({
      url: service.base,
      path: `/api/tasks/${taskId}/status/`,
      connections: Math.min(50, rate),
      overallRate: rate,
      durationS: 120,
      until: finished,
    });
    await service.cpuProfile('stop', file);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = (await service.loopStats()).cpu;
    const cpuMs = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / 1000;
    console.log(
      `${busy} segments in ${seconds.toFixed(2)} s: ${(busy / seconds).toFixed(0)}/s; ` +
        `server process CPU (all threads, polls and profiler included) ${(cpuMs / 1000).toFixed(2)} s, ` +
        `${(cpuMs / busy).toFixed(2)} ms/segment`,
    );
    console.log(
      `${result.total} polls, p99 ${result.latencyMs.p99.toFixed(2)} ms, errors ${result.errors}`,
    );
  } else {
    const texts =
      segments > 100
        ? oneWords(segments)
        : sentences(segments, { minWords: 3, maxWords: 6, seed: 1 });
    const { taskId } = await generatedProject(service.base, texts, {
      intervalMs: 200,
      timeoutMs: 600_000,
    });
    const headers = {};
    if (etag)
      headers['if-none-match'] = (
        await call(service.base, 'GET', `/api/tasks/${taskId}/status/`)
      ).headers.get('etag');
    const target = {
      url: service.base,
      path: `/api/tasks/${taskId}/status/`,
      headers,
      connections: 50,
    };
    await load({ ...target, durationS: 1 }); // warm-up
    await service.cpuProfile('start');
    const result = await load({ ...target, durationS: seconds });
    await service.cpuProfile('stop', file);
    console.log(
      `${Math.round(result.rps)} req/s, p99 ${result.latencyMs.p99.toFixed(2)} ms, errors ${result.errors}`,
    );
  }
  console.log(`profile written to ${file}\n`);
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8'))));
} finally {
  await service.stop();
}
