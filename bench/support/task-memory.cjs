'use strict';
/**
 * Memory held by finished tasks: drives `TaskManagerService` (from dist/) directly, the way
 * SpeechGenerationService does, for N tasks of 10 completed segments each, and reads RSS and
 * heap after forced GCs. Run with `node --expose-gc bench/support/task-memory.cjs [tasks]`.
 *
 * Phases, each measured after `flush()` and two full GCs:
 *  1. baseline: module loaded, empty manager;
 *  2. N finished tasks, every one retained (cap = N, retention 1 h), each polled once so
 *     its cached view (frozen snapshot + JSON string + ETag) exists, as in production;
 *  3. after retention evicted them (`sweep()` an hour later);
 *  4. a fresh manager with a cap of N/10 (TASK_MAX_RETAINED) after N more finished tasks.
 * Sends `{type: 'result', phases: {...}}` over IPC.
 */
const { randomUUID, randomBytes } = require('node:crypto');
const { join } = require('node:path');

const APP_DIR = process.env.BENCH_APP_DIR || join(__dirname, '..', '..');
const DIST = join(APP_DIR, 'dist');
const { TaskManagerService } = require(join(DIST, 'tasks', 'task-manager.service.js'));
const { MediaLayout } = require(join(DIST, 'media', 'media-layout.js'));
const { Logger } = require('@nestjs/common');

const TASKS = Number(process.argv[2]) || 10_000;
const SEGMENTS = 10;
const RETENTION_SECONDS = 3600;
/**
 * The service's own URL builder, so that the strings are shaped as in production. It takes the
 * typed app config now and took a ConfigService before: this object serves both, so that
 * BENCH_APP_DIR can point at a build from before the change.
 */
const config = { dataDir: '/srv/storyflow' };
const media = new MediaLayout({ ...config, getOrThrow: () => config });

Logger.overrideLogger(false);

/** The manager of either tree: the async façade (`inMemory`) or the earlier synchronous one. */
function newManager(policy) {
  return TaskManagerService.inMemory
    ? TaskManagerService.inMemory(policy)
    : new TaskManagerService(policy);
}

async function measure(manager) {
  if (manager?.flush) await manager.flush();
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return {
    rss,
    heapUsed,
    heapTotal,
    external,
    arrayBuffers,
    tasks: manager ? await total(manager) : 0,
  };
}

async function total(manager) {
  return Object.values(await manager.counts()).reduce((a, b) => a + b, 0);
}

/** One batch task, updated as SpeechGenerationService updates it (awaits: either tree). */
async function runTask(manager) {
  const projectId = randomUUID();
  const taskId = `tts_batch_${projectId}_${randomBytes(4).toString('hex')}`;
  await manager.create(taskId, {
    total: SEGMENTS,
    labels: { kind: 'tts_batch', project_id: projectId },
  });
  for (let i = 0; i < SEGMENTS; i++) {
    const segmentId = randomUUID();
    await manager.start(taskId);
    await manager.setProgress(taskId, { currentSegmentId: segmentId });
    await manager.addCompletedSegment(taskId, {
      segment_id: segmentId,
      audio_url: media.audioUrlPath(projectId, segmentId),
      duration: 2 + Math.random() * 4,
    });
    await manager.setProgress(taskId, { current: i + 1 });
  }
  await manager.finish(taskId);
  await manager.getView(taskId); // a poll: the view of the final version is cached from now on
}

async function main() {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  const phases = {};
  phases.baseline = await measure();

  let manager = newManager({
    maxActive: 1000,
    retentionSeconds: RETENTION_SECONDS,
    maxRetained: TASKS,
  });
  const started = performance.now();
  for (let i = 0; i < TASKS; i++) await runTask(manager);
  const createMs = performance.now() - started;
  phases.retained = await measure(manager);

  const now = Date.now() + (RETENTION_SECONDS + 1) * 1000;
  await manager.sweep(now);
  phases.evicted = await measure(manager);

  manager = null;
  const capped = newManager({
    maxActive: 1000,
    retentionSeconds: RETENTION_SECONDS,
    maxRetained: Math.max(1, Math.floor(TASKS / 10)),
  });
  for (let i = 0; i < TASKS; i++) await runTask(capped);
  await new Promise((resolve) => setImmediate(resolve)); // the manager sweeps in a microtask
  phases.capped = await measure(capped);
  phases.capped.cap = Math.max(1, Math.floor(TASKS / 10));

  return { tasks: TASKS, segments: SEGMENTS, createMs, phases };
}

main().then(
  (result) =>
    process.send?.({ type: 'result', ...result }, () => process.exit(0)) ??
    (console.log(JSON.stringify(result)), process.exit(0)),
  (error) =>
    process.send?.({ type: 'result', error: String(error?.stack ?? error) }, () =>
      process.exit(1),
    ) ?? (console.error(error), process.exit(1)),
);
