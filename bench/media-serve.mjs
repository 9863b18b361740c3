#!/usr/bin/env node
/**
 * `/media/` serving, build against build: each build's `dist/` runs in its own child process
 * (the real app through `createApp`, on its own data folder holding one large WAV), and the
 * parent downloads from it over real sockets, builds taking turns round by round:
 *
 * - whole: `--mib=M` MiB downloaded whole `--downloads=N` times, one at a time: MB/s (wall) and
 *   the server's CPU (`process.cpuUsage()`) per MiB sent;
 * - ranges: `--ranges=R` requests for 64 KiB at random offsets, 8 at a time: requests/s and
 *   server CPU per request (the per-request cost: open, validators, range, stream).
 *
 * Medians of `--rounds` rounds. Numbers only, never a verdict: on a shared machine compare
 * the builds within one run.
 *
 *   node bench/media-serve.mjs before=<dir with dist/> after=. [--rounds=5] [--mib=64]
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { namedBuilds, numberOption as opt } from './support/args.mjs';
import { askChild } from './support/processes.mjs';

const PROJECT = '11111111-1111-4111-8111-111111111111';
const SEGMENT = '22222222-2222-4222-8222-222222222222';
const URL_PATH = `/media/projects/${PROJECT}/audio/${SEGMENT}.wav`;

if (process.argv[2] === '--child') {
  await child(resolve(process.argv[3]));
} else {
  await parent();
}

async function parent() {
  const rounds = opt('rounds', 5);
  const mib = opt('mib', 64);
  const downloads = opt('downloads', 5);
  const rangeCount = opt('ranges', 2000);
  const builds = namedBuilds();
  if (!builds.length) throw new Error('Name the builds: before=<dir> after=<dir>');
  const wav = Buffer.alloc(mib * 1024 * 1024, 7);
  wav.write('RIFF');
  const servers = {};
  for (const [name, dir] of builds) servers[name] = await start(dir, wav);
  const results = Object.fromEntries(builds.map(([name]) => [name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name] of builds) {
        const server = servers[name];
        const whole = await measure(server, async () => {
          for (let i = 0; i < downloads; i++) {
            const bytes = await download(server.port, {});
            if (bytes !== wav.length) throw new Error(`${name}: ${bytes} bytes, not ${wav.length}`);
          }
        });
        const ranges = await measure(server, async () => {
          let next = 0;
          const worker = async () => {
            while (next < rangeCount) {
              next++;
              const start = Math.floor(Math.random() * (wav.length - 65536));
              const bytes = await download(server.port, {
                range: `bytes=${start}-${start + 65535}`,
              });
              if (bytes !== 65536) throw new Error(`${name}: range of ${bytes} bytes`);
            }
          };
          await Promise.all(Array.from({ length: 8 }, worker));
        });
        results[name].push({
          mbPerS: (downloads * wav.length) / 1e6 / whole.seconds,
          cpuMsPerMiB: whole.cpuMs / (downloads * mib),
          rangesPerS: rangeCount / ranges.seconds,
          cpuUsPerRange: (ranges.cpuMs * 1000) / rangeCount,
        });
      }
    }
  } finally {
    for (const server of Object.values(servers)) {
      server.process.kill();
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `/media/ serving: ${mib} MiB WAV × ${downloads} whole downloads, and ${rangeCount} 64 KiB ` +
      `ranges 8 at a time; medians of ${rounds} rounds (per-round values in brackets)`,
  );
  const rows = [
    ['whole file, MB/s', 'mbPerS', 0],
    ['whole file, server CPU ms per MiB', 'cpuMsPerMiB', 3],
    ['64 KiB ranges, requests/s', 'rangesPerS', 0],
    ['64 KiB ranges, server CPU µs per request', 'cpuUsPerRange', 0],
  ];
  for (const [label, key, digits] of rows) {
    for (const [name] of builds) {
      const xs = results[name].map((r) => r[key]);
      console.log(
        `${label.padEnd(42)} ${name.padEnd(8)} ${median(xs).toFixed(digits).padStart(9)}  ` +
          `[${xs.map((x) => x.toFixed(digits)).join(' ')}]`,
      );
    }
  }
}

/** Wall time and the server's CPU time while `run` runs. */
async function measure(server, run) {
  const before = await askFor(server.process, 'cpu');
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = await askFor(server.process, 'cpu');
  return { seconds, cpuMs: after - before };
}

/** Downloads the WAV (or a range of it) and counts its bytes. */
function download(port, headers) {
  return new Promise((ok, fail) => {
    get({ host: '127.0.0.1', port, path: URL_PATH, headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => ok(bytes));
      res.on('error', fail);
    }).on('error', fail);
  });
}

async function start(dir, wav) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sfv-media-'));
  const audioDir = join(dataDir, 'media', 'projects', PROJECT, 'audio');
  mkdirSync(audioDir, { recursive: true });
  writeFileSync(join(audioDir, `${SEGMENT}.wav`), wav);
  const c = fork(fileURLToPath(import.meta.url), ['--child', dir], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      TTS_WORKERS: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${dir}: not ready in 180 s`)), 180_000);
    c.once('message', (m) => {
      clearTimeout(timer);
      if (m.port) ok(m.port);
      else fail(new Error(m.error));
    });
    c.once('exit', (code) => fail(new Error(`${dir}: exited ${code}`)));
  });
  return { process: c, port, dataDir };
}

/** The child's answer to `message`: its `cpuMs`. */
async function askFor(c, message) {
  return (await askChild(c, message, 60_000)).cpuMs;
}

async function child(dir) {
  try {
    const { createApp } = await import(pathToFileURL(join(dir, 'dist', 'app.setup.js')).href);
    const app = await createApp();
    await app.listen(0, '127.0.0.1');
    process.on('message', () => {
      const used = process.cpuUsage();
      process.send({ cpuMs: (used.user + used.system) / 1000 });
    });
    process.send({ port: app.getHttpServer().address().port });
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
    process.exit(1);
  }
}
