#!/usr/bin/env node
/**
 * CPU of one status poll inside the service's process, without sockets: each build's
 * `dist/` runs in its own child process (real app, real engine, a finished 10-segment task),
 * which answers `--requests=N` polls through Fastify's `inject()` (50 at a time) and reports
 * the process CPU time (`process.cpuUsage()`) per poll, 200 and 304 (If-None-Match). Builds
 * are measured in turn, `--rounds=R` times, medians printed. With no kernel time for sockets
 * and no load generator in the measured process, this isolates the per-request work around
 * the handler (hooks, handler, reply) that the HTTP benches dilute; inject's own cost is in
 * every figure alike.
 *
 *   node bench/poll-inject.mjs before=<dir with dist/> after=. [--rounds=5] [--requests=20000]
 */
import { createHook } from 'node:async_hooks';
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { namedBuilds, numberOption as opt } from './support/args.mjs';
import { askChild } from './support/processes.mjs';

if (process.argv[2] === '--child') {
  await child(resolve(process.argv[3]));
} else {
  await parent();
}

async function parent() {
  const rounds = opt('rounds', 5);
  const requests = opt('requests', 20_000);
  const builds = namedBuilds();
  if (!builds.length) throw new Error('Name the builds: before=<dir> after=<dir>');
  const children = {};
  for (const [name, dir] of builds) children[name] = await start(dir);
  const results = Object.fromEntries(builds.map(([name]) => [name, { 200: [], 304: [] }]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name] of builds) {
        for (const kind of ['200', '304']) {
          const us = await askFor(children[name], { measure: kind, requests });
          results[name][kind].push(us);
        }
      }
    }
    for (const [name] of builds) {
      for (const kind of ['200', '304']) {
        const n = await askFor(children[name], { measure: kind, promises: true });
        console.log(`${`${name} ${kind}`.padEnd(14)} ${n.toFixed(2)} promises created per poll`);
      }
    }
  } finally {
    for (const c of Object.values(children)) c.kill();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name] of builds) {
    for (const kind of ['200', '304']) {
      const xs = results[name][kind];
      console.log(
        `${`${name} ${kind}`.padEnd(14)} ${median(xs).toFixed(1)} µs CPU/poll (rounds: ${xs.map((x) => x.toFixed(1)).join(' ')})`,
      );
    }
  }
}

function start(dir) {
  const c = fork(fileURLToPath(import.meta.url), ['--child', dir], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sfv-inject-')),
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      TTS_WORKERS: '1',
      RATE_LIMIT_GENERATION_PER_MINUTE: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${dir}: not ready in 180 s`)), 180_000);
    c.once('message', (m) => {
      clearTimeout(timer);
      if (m.ready) ok(c);
      else fail(new Error(m.error));
    });
    c.once('exit', (code) => fail(new Error(`${dir}: exited ${code}`)));
  });
}

/** The child's answer to `message`: its `us`. */
async function askFor(c, message) {
  return (await askChild(c, message, 300_000)).us;
}

async function child(dir) {
  try {
    const { createApp } = await import(pathToFileURL(join(dir, 'dist', 'app.setup.js')).href);
    const { generatedProject } = await import('./support/story.mjs');
    const { sentences } = await import('./support/texts.mjs');
    const app = await createApp();
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const texts = sentences(10, { minWords: 3, maxWords: 6, seed: 1 });
    const { taskId } = await generatedProject(base, texts, { timeoutMs: 170_000 });
    const url = `/api/tasks/${taskId}/status/`;
    const first = await app.inject({ method: 'GET', url });
    const etag = first.headers.etag;
    const poll = async (headers, n) => {
      for (let done = 0; done < n; done += 50) {
        const batch = [];
        for (let i = 0; i < 50; i++) batch.push(app.inject({ method: 'GET', url, headers }));
        const answers = await Promise.all(batch);
        if (answers.some((a) => a.statusCode !== (headers['if-none-match'] ? 304 : 200)))
          throw new Error(`unexpected status ${answers[0].statusCode}`);
      }
    };
    await poll({}, 2_000); // warm-up
    await poll({ 'if-none-match': etag }, 2_000);
    process.send({ ready: true });
    process.on('message', async ({ measure, requests, promises }) => {
      const headers = measure === '304' ? { 'if-none-match': etag } : {};
      if (promises) {
        // Deterministic: promises created per poll (inject's own included, alike in every build).
        let created = 0;
        const hook = createHook({
          init: (_id, type) => {
            if (type === 'PROMISE') created++;
          },
        }).enable();
        await poll(headers, 1_000);
        hook.disable();
        process.send({ us: created / 1_000 });
        return;
      }
      const before = process.cpuUsage();
      await poll(headers, requests);
      const used = process.cpuUsage(before);
      process.send({ us: (used.user + used.system) / requests });
    });
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
    process.exit(1);
  }
}
