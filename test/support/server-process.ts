import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Resolves once the process has printed `text`; rejects after `timeoutMs`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
}

/**
 * Starts the real service as a separate process on a free loopback port, and resolves once
 * it answers HTTP (`readyPath`, the settings by default): src/main.ts transpiled on the fly
 * (each file once per change, see ts-register.cjs), or with `built` the build in dist/.
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { built?: boolean; readyPath?: string } = {},
): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), env, options);
    } catch (error) {
      // Free when chosen, taken before the server bound it (another process of the machine).
      if (error instanceof PortTakenError && attempt < 3) continue;
      throw error;
    }
  }
}

class PortTakenError extends Error {}

/** A loopback port nothing listens on (the OS's choice, released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startOnPort(
  port: number,
  env: Record<string, string>,
  options: { built?: boolean; readyPath?: string },
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    options.built
      ? [join(ROOT, 'dist', 'main.js')]
      : ['-r', join(ROOT, 'test', 'support', 'ts-register.cjs'), join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        TTS_WORKERS: '2',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  // The first start after a change transpiles the whole app: on a saturated shared machine
  // that alone has taken over 60 s. Generous: this only bounds a server that never comes up.
  const startTimeoutS = 240;
  const deadline = Date.now() + startTimeoutS * 1000;
  for (;;) {
    if (child.exitCode !== null) {
      const taken = output.includes('EADDRINUSE') && output.includes(`:${port}`);
      throw new (taken ? PortTakenError : Error)(`server exited at start:\n${output}`);
    }
    try {
      // A worker node (ROLE=worker) answers only its health and metrics.
      const res = await fetch(`${baseUrl}${options.readyPath ?? '/api/settings/'}`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within ${startTimeoutS} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const waitForOutput = async (text: string, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    while (!output.includes(text)) {
      if (Date.now() > until) throw new Error(`server never printed "${text}":\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { child, baseUrl, exited, output: () => output, waitForOutput };
}
