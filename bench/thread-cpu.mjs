#!/usr/bin/env node
/**
 * Where a generated segment's CPU goes, per thread: the service of one or more builds and the
 * raw engine (bench/support/raw-engine.mjs) synthesize the same texts in turn, and each
 * process's `/proc/<pid>/task/<tid>/stat` (utime, stime) is read before and after every batch.
 * Threads are grouped by what they are in a Node 20 process:
 *   main       the main thread (tid = pid);
 *   v8         the threads Node starts with the process (V8's platform workers, which do the
 *              concurrent GC and compilation, and its delayed-task / signal threads): the six
 *              lowest tids after the main one, as in a fresh `node` process;
 *   synthesis  the TTS worker threads (they set nice 10 on Linux: `lowerThreadPriority`);
 *   other      the rest: libuv's thread pool (file I/O, fsync), other worker threads.
 * Prints, per process, ms of CPU per segment (user + system, and system alone) per group,
 * medians of the rounds; the raw engine's figures are the baseline for the synthesis threads.
 *
 *   node bench/thread-cpu.mjs before=/work/builds/99f95da after=. [--words=1000 | --sentences=100]
 *                             [--workers=2] [--rounds=3]
 *
 * THREAD_CPU_DUMP=1 also prints every thread's ticks per batch (stderr); THREAD_CPU_NODE_FLAGS
 * passes V8/Node flags to the services (e.g. `--single-threaded-gc`, to see what of the V8
 * helpers' time is GC: in this service's sentence batches it was not, it shrank round after
 * round like JIT compilation).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { median } from './support/load.mjs';
import { startRawEngine, startService } from './support/processes.mjs';
import { generateAll, importProject, waitTask } from './support/story.mjs';
import { synthesisOptions } from './support/synthesis-options.mjs';

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux
const STARTUP_HELPERS = 6;
const GROUPS = ['main', 'v8', 'synthesis', 'other'];

const { builds, words, count, workers, rounds, texts, scratch, textsFile } =
  synthesisOptions('thread-cpu');

/** {tid: {utime, stime, nice}} of every thread of a process, in ticks. */
function threads(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After "pid (comm) ": state is f[0], so field n (1-based, man 5 proc) is f[n - 3].
      out[tid] = { utime: Number(f[14 - 3]), stime: Number(f[15 - 3]), nice: Number(f[19 - 3]) };
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

function groupOf(pid, tid, nice, startupTids) {
  if (Number(tid) === pid) return 'main';
  if (nice === 10) return 'synthesis';
  if (startupTids.includes(Number(tid))) return 'v8';
  return 'other';
}

/** Per-group {total, system} ms of CPU between two snapshots. */
function split(pid, before, after, startupTids) {
  if (process.env.THREAD_CPU_DUMP) {
    const rows = Object.entries(after).map(([tid, a]) => {
      const b = before[tid] ?? { utime: 0, stime: 0 };
      return `${tid}:${groupOf(pid, tid, a.nice, startupTids)}:${a.utime - b.utime}+${a.stime - b.stime}`;
    });
    console.error(`pid ${pid} ticks: ${rows.join(' ')}`);
  }
  const sums = Object.fromEntries(GROUPS.map((g) => [g, { total: 0, system: 0, threads: 0 }]));
  for (const [tid, a] of Object.entries(after)) {
    const b = before[tid] ?? { utime: 0, stime: 0 };
    const g = sums[groupOf(pid, tid, a.nice, startupTids)];
    g.total += (a.utime - b.utime + a.stime - b.stime) * TICK_MS;
    g.system += (a.stime - b.stime) * TICK_MS;
    g.threads += 1;
  }
  return sums;
}

function startupTidsOf(pid) {
  return Object.keys(threads(pid))
    .map(Number)
    .filter((t) => t !== pid)
    .sort((a, b) => a - b)
    .slice(0, STARTUP_HELPERS);
}

const services = [];
let engine;
try {
  for (const build of builds) {
    const service = await startService({
      workers,
      label: build.name,
      appDir: build.appDir,
      // Diagnosis only: V8 flags for the services (e.g. --single-threaded-gc).
      execArgv: (process.env.THREAD_CPU_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    });
    services.push({ ...service, startupTids: startupTidsOf(service.pid) });
  }
  engine = await startRawEngine(workers, textsFile);
  const rawStartup = startupTidsOf(engine.pid);
  await engine.pass(); // warm-up
  for (const service of services) {
    const warm = await importProject(service.base, texts.slice(0, 20), 'warm-up');
    const { task_id } = await generateAll(service.base, warm.id);
    await waitTask(service.base, task_id, { intervalMs: 100, timeoutMs: 300_000 });
  }
  const results = Object.fromEntries([...builds.map((b) => [b.name, []]), ['raw', []]]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, build] of builds.entries()) {
      const service = services[i];
      const project = await importProject(service.base, texts, `round ${round}`);
      const before = threads(service.pid);
      const { task_id: taskId } = await generateAll(service.base, project.id);
      await waitTask(service.base, taskId, { intervalMs: 200, timeoutMs: 600_000 });
      results[build.name].push(split(service.pid, before, threads(service.pid), service.startupTids));
    }
    const before = threads(engine.pid);
    await engine.pass();
    results.raw.push(split(engine.pid, before, threads(engine.pid), rawStartup));
  }
  console.log(
    `${count} ${words ? 'one-word segments' : 'sentences'}, TTS_WORKERS=${workers}, ${rounds} rounds; ` +
      'ms of CPU per segment (user+system, [system]), medians of the rounds (each round in parentheses)',
  );
  for (const [name, list] of Object.entries(results)) {
    const cells = GROUPS.map((g) => {
      const total = list.map((r) => r[g].total / count);
      const system = list.map((r) => r[g].system / count);
      return (
        `${g} ${median(total).toFixed(2)} [${median(system).toFixed(2)}] ` +
        `(${total.map((v) => v.toFixed(2)).join(' ')})`
      );
    });
    const all = list.map((r) => GROUPS.reduce((s, g) => s + r[g].total, 0) / count);
    console.log(`${name.padEnd(8)} all ${median(all).toFixed(2)}; ${cells.join('; ')}`);
  }
} finally {
  await Promise.all(services.map((s) => s.stop()));
  await engine?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
