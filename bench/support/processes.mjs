/**
 * Child processes of the benchmarks: the real service (`dist/main.js`, with the loop-monitor
 * preload), bare Fastify baselines, and one-off measuring scripts. Every child is bounded:
 * waits have timeouts, and `stop()` escalates from SIGTERM to SIGKILL.
 */
import { spawnSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');
/**
 * The checkout whose `dist/` is measured: this one, or BENCH_APP_DIR (another checkout or
 * a copy of a build, to compare before/after a change with the same bench code).
 */
export const APP_DIR = process.env.BENCH_APP_DIR ? resolve(process.env.BENCH_APP_DIR) : ROOT;
export const DIST_DIR = join(APP_DIR, 'dist');
export const DIST_MAIN = join(DIST_DIR, 'main.js');
export const LOOP_MONITOR = join(BENCH_DIR, 'support', 'loop-monitor.cjs');
export const BASELINE_SERVER = join(BENCH_DIR, 'support', 'baseline-server.mjs');

/** Builds the service once when `dist/` is missing (fresh clone). */
export function ensureBuilt(log = console.error) {
  if (existsSync(DIST_MAIN)) return;
  log(`${DIST_MAIN} is missing: running \`npm run build\` first`);
  const result = spawnSync('npm', ['run', 'build'], { cwd: APP_DIR, stdio: ['ignore', 2, 2] });
  if (result.status !== 0 || !existsSync(DIST_MAIN)) {
    throw new Error(`npm run build failed (exit ${result.status})`);
  }
}

/** A TCP port that was free a moment ago (for children that cannot report the one they got). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export function makeDataDir(label = 'bench') {
  return mkdtempSync(join(tmpdir(), `sfv-bench-${label}-`));
}

/** Resident set size of another process, in bytes (Linux /proc; `ps` elsewhere). */
export function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux, or the process is gone
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(ps.stdout.trim());
  return Number.isFinite(kb) && kb > 0 ? kb * 1024 : NaN;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Wraps a forked child: keeps the tail of its output (for error messages), answers
 * `request()` over IPC, and stops it for sure.
 */
class Child {
  constructor(child, label) {
    this.child = child;
    this.label = label;
    this.pid = child.pid;
    this.tail = [];
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => resolveExit({ code, signal })),
    );
    this.lineWatchers = new Set();
    let nextId = 0;
    this.nextId = () => ++nextId;
    const onData = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
        for (const watcher of this.lineWatchers) watcher(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  /** Resolves with the first output line matching `pattern`. */
  waitForLine(pattern, timeoutMs) {
    const found = new Promise((resolveLine, reject) => {
      const watcher = (line) => {
        if (!pattern.test(line)) return;
        this.lineWatchers.delete(watcher);
        resolveLine(line);
      };
      this.lineWatchers.add(watcher);
      void this.exited.then(({ code, signal }) => {
        if (!this.lineWatchers.has(watcher)) return;
        this.lineWatchers.delete(watcher);
        reject(new Error(`${this.label} exited (${code ?? signal}) before printing ${pattern}`));
      });
    });
    return withTimeout(found, timeoutMs, `${this.label}: ${pattern}`);
  }

  /** Resolves with the first IPC message of this type. */
  waitForMessage(type, timeoutMs) {
    const found = new Promise((resolveMessage, reject) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        this.child.off('message', onMessage);
        resolveMessage(message);
      };
      this.child.on('message', onMessage);
      // IPC messages sent just before exiting may arrive after 'exit': give them a moment.
      void this.exited.then(({ code, signal }) =>
        setTimeout(
          () =>
            reject(new Error(`${this.label} exited (${code ?? signal}):\n${this.tail.join('\n')}`)),
          250,
        ),
      );
    });
    return withTimeout(found, timeoutMs, `${this.label}: message ${type}`);
  }

  /** Sends `{type, ...payload, id}` and resolves with the answer of the same type and id. */
  request(type, payload = {}, timeoutMs = 10_000) {
    const id = this.nextId();
    const answer = new Promise((resolveAnswer, reject) => {
      const onMessage = (message) => {
        if (message?.type !== type || message.id !== id) return;
        this.child.off('message', onMessage);
        resolveAnswer(message);
      };
      this.child.on('message', onMessage);
      void this.exited.then(({ code, signal }) =>
        reject(new Error(`${this.label} exited (${code ?? signal})`)),
      );
    });
    this.child.send({ type, id, ...payload });
    return withTimeout(answer, timeoutMs, `${this.label}: ${type}`);
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(timeoutMs = 10_000) {
    if (this.alive) {
      this.child.kill('SIGTERM');
      try {
        await withTimeout(this.exited, timeoutMs, `${this.label} to exit`);
      } catch {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    return this.exited;
  }
}

/** Logged by EspeakTtsEngine once its workers are warm (or when it could not start). */
export const ENGINE_LINE = /eSpeak-NG ready|Speech engine unavailable/;

/**
 * Resolves when the service's TTS engine is ready: its log line, or a 200 from
 * `GET /api/health` (whichever comes first; older builds have no health route).
 * Rejects when the engine could not start.
 */
export async function waitForEngine(child, engineLine, port, timeoutMs = 120_000) {
  let done = false;
  const byHealth = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (!done && Date.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null);
      await res?.arrayBuffer().catch(() => undefined);
      if (res?.status === 200) return 'health 200';
      if (res?.status === 404) return new Promise(() => {}); // no such route: the log decides
      await new Promise((r) => setTimeout(r, 100));
    }
    return new Promise(() => {});
  })();
  try {
    const line = await withTimeout(
      Promise.race([engineLine, byHealth]),
      timeoutMs,
      `${child.label} engine`,
    );
    if (/unavailable/.test(line)) throw new Error(`${child.label}: ${line}`);
    return line;
  } finally {
    done = true;
  }
}

/**
 * Starts the real service (`dist/main.js`) in its own process on a port chosen by the OS,
 * with the loop-monitor preload, and waits until it listens (and, unless `waitEngine` is
 * false, until its TTS engine is ready).
 */
export async function startService({
  workers,
  env = {},
  execArgv = [],
  waitEngine = true,
  label = 'service',
  appDir = APP_DIR,
} = {}) {
  const dataDir = makeDataDir(label);
  const child = fork(join(appDir, 'dist', 'main.js'), [], {
    cwd: appDir,
    execArgv: ['--require', LOOP_MONITOR, ...execArgv],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // The benches start many batches a minute from one client; the limiter is not measured.
      RATE_LIMIT_GENERATION_PER_MINUTE: '100000',
      ...(workers !== undefined && { TTS_WORKERS: String(workers) }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const wrapped = new Child(child, label);
  const engineLine = wrapped.waitForLine(ENGINE_LINE, 120_000);
  engineLine.catch(() => undefined);
  try {
    const { port } = await wrapped.waitForMessage('listening', 60_000);
    const engineReady = waitForEngine(wrapped, engineLine, port);
    engineReady.catch(() => undefined);
    if (waitEngine) await engineReady;
    return {
      label,
      pid: child.pid,
      port,
      base: `http://127.0.0.1:${port}`,
      dataDir,
      engineReady,
      /** Event-loop delay histogram and memory of the server's main thread. */
      loopStats: (reset = false) => wrapped.request('loop-stats', { reset }),
      /** Starts, or stops and writes to `file`, a CPU profile of the server's main thread. */
      cpuProfile: async (action, file) => {
        const answer = await wrapped.request('cpu-profile', { action, file }, 60_000);
        if (answer.error) throw new Error(answer.error);
      },
      tail: () => wrapped.tail.join('\n'),
      async stop() {
        await wrapped.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await wrapped.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts a bare Fastify baseline (`naive`, `constant` or `hello`); see baseline-server.mjs. */
export async function startBaseline(mode, { stateFile, label = `fastify-${mode}` } = {}) {
  const child = fork(BASELINE_SERVER, [mode, ...(stateFile ? [stateFile] : [])], {
    cwd: ROOT,
    execArgv: ['--require', LOOP_MONITOR],
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const wrapped = new Child(child, label);
  try {
    const { port } = await wrapped.waitForMessage('listening', 30_000);
    return {
      label,
      pid: child.pid,
      port,
      base: `http://127.0.0.1:${port}`,
      loopStats: (reset = false) => wrapped.request('loop-stats', { reset }),
      cpuProfile: async (action, file) => {
        const answer = await wrapped.request('cpu-profile', { action, file }, 60_000);
        if (answer.error) throw new Error(answer.error);
      },
      stop: () => wrapped.stop(),
    };
  } catch (error) {
    await wrapped.stop();
    throw error;
  }
}

/**
 * Runs a measuring script in a child process and resolves with the `{type: 'result'}`
 * message it sends (the script must send one, then exit).
 */
export async function runScript(
  file,
  { args = [], execArgv = [], env = {}, timeoutMs = 120_000 } = {},
) {
  const child = fork(file, args, {
    cwd: ROOT,
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const wrapped = new Child(child, file.replace(`${BENCH_DIR}/`, 'bench/'));
  try {
    const message = await wrapped.waitForMessage('result', timeoutMs);
    if (message.error) throw new Error(`${wrapped.label}: ${message.error}`);
    return message;
  } finally {
    await wrapped.stop();
  }
}

/**
 * The raw engine (bench/support/raw-engine.mjs) in its own process, warm and waiting:
 * `pass()` synthesizes all the texts once and resolves with `{seconds, segments, audioSeconds}`.
 */
export async function startRawEngine(workers, textsFile) {
  const child = fork(join(BENCH_DIR, 'support', 'raw-engine.mjs'), [String(workers), textsFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const wrapped = new Child(child, `raw-engine-w${workers}`);
  try {
    const ready = await wrapped.waitForMessage('ready', 120_000);
    if (ready.error) throw new Error(ready.error);
  } catch (error) {
    await wrapped.stop();
    throw error;
  }
  return {
    pid: child.pid,
    async pass() {
      const answer = await wrapped.request('pass', {}, 600_000);
      if (answer.error) throw new Error(answer.error);
      return answer;
    },
    async stop() {
      if (wrapped.alive) child.send({ type: 'exit' });
      await withTimeout(wrapped.exited, 10_000, 'raw engine exit').catch(() => wrapped.stop());
    },
  };
}

export { Child, withTimeout };

/**
 * Sends `message` to a forked child and resolves with its next message (the answer); rejects
 * when none comes within `timeoutMs`.
 */
export function askChild(child, message, timeoutMs) {
  const answer = new Promise((resolveAnswer) => child.once('message', resolveAnswer));
  child.send(message);
  return withTimeout(answer, timeoutMs, `answer to ${JSON.stringify(message)}`);
}
