#!/usr/bin/env node
/**
 * Synthesis through the API of several builds side by side, interleaved in one run, next to
 * the raw engine on the same texts (bench rows 2c, 4a and 5b on a busy machine): per round,
 * each build generates the same project (a fresh one: N one-word segments, or sentences), then
 * the raw engine synthesizes the texts once. Prints, per build, the medians of the rounds:
 * segments/s and its ratio to the raw engine's median, the server's CPU per segment (all
 * threads, from `process.cpuUsage()`), the server's event-loop delay p99 during the batch and,
 * with `--rate=R`, the p99 of status polls paced at R/s during the batch.
 *
 *   node bench/synth-ab.mjs before=/work/builds/a98c1ed after=. [--words=1000 | --sentences=100]
 *                           [--workers=2] [--rounds=3] [--rate=0]
 */
import { rmSync } from 'node:fs';
import { median, pacedPolls } from './support/load.mjs';
import { startRawEngine, startService } from './support/processes.mjs';
import { generateAll, importProject, taskTiming, waitTask } from './support/story.mjs';
import { numberOption as opt } from './support/args.mjs';
import { synthesisOptions } from './support/synthesis-options.mjs';

const { builds, words, count, workers, rounds, texts, scratch, textsFile } =
  synthesisOptions('synth-ab');
const rate = opt('rate', 0);

const services = [];
let engine;
try {
  for (const build of builds) {
    services.push(await startService({ workers, label: build.name, appDir: build.appDir }));
  }
  engine = await startRawEngine(workers, textsFile);
  await engine.pass(); // warm-up
  // Warm-up of each service: a short batch.
  for (const service of services) {
    const warm = await importProject(service.base, texts.slice(0, 20), 'warm-up');
    const { task_id } = await generateAll(service.base, warm.id);
    await waitTask(service.base, task_id, { intervalMs: 100, timeoutMs: 300_000 });
  }
  const results = Object.fromEntries(builds.map((b) => [b.name, []]));
  const raw = [];
  for (let round = 0; round < rounds; round++) {
    for (const [i, build] of builds.entries()) {
      const service = services[i];
      const project = await importProject(service.base, texts, `round ${round}`);
      const cpuBefore = (await service.loopStats(true)).cpu;
      const { task_id: taskId } = await generateAll(service.base, project.id);
      const finished = waitTask(service.base, taskId, { intervalMs: 200, timeoutMs: 600_000 });
      const polls = rate
        ? await pacedPolls({
            url: service.base,
            path: `/api/tasks/${taskId}/status/`,
            pollers: 50,
            rate,
            durationS: 600,
            until: finished,
          })
        : null;
      const snapshot = await finished;
      const stats = await service.loopStats(true);
      const cpuMs = (stats.cpu.user + stats.cpu.system - cpuBefore.user - cpuBefore.system) / 1000;
      const timing = taskTiming(snapshot);
      results[build.name].push({
        segPerS: timing.segments / timing.seconds,
        seconds: timing.seconds,
        errors: timing.errors,
        cpuMsPerSegment: cpuMs / count,
        loopP99: stats.loopDelayMs.p99,
        pollP99: polls?.latencyMs.p99,
      });
    }
    const pass = await engine.pass();
    raw.push(pass.segments / pass.seconds);
  }
  const rawMedian = median(raw);
  console.log(
    `${count} ${words ? 'one-word segments' : 'sentences'}, TTS_WORKERS=${workers}, ${rounds} rounds; ` +
      `raw engine ${rawMedian.toFixed(1)} seg/s (rounds ${raw.map((r) => r.toFixed(0)).join(' ')})`,
  );
  for (const [name, list] of Object.entries(results)) {
    const m = (key) => median(list.map((r) => r[key]));
    const rounds = (key, digits) => list.map((r) => r[key]?.toFixed(digits)).join(' ');
    console.log(
      `${name.padEnd(10)} ${m('segPerS').toFixed(1)} seg/s = ${(m('segPerS') / rawMedian).toFixed(2)}× raw ` +
        `(rounds ${rounds('segPerS', 0)}); CPU ${m('cpuMsPerSegment').toFixed(2)} ms/segment ` +
        `(${rounds('cpuMsPerSegment', 2)}); loop p99 ${m('loopP99').toFixed(1)} ms` +
        (rate ? `; poll p99 ${m('pollP99').toFixed(2)} ms (${rounds('pollP99', 1)})` : '') +
        (list.some((r) => r.errors) ? ' — ERRORS' : ''),
    );
  }
} finally {
  await Promise.all(services.map((s) => s.stop()));
  await engine?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
