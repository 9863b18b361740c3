import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/**
 * The command that runs the CLI from source, as `storyflow-voice` would (transpiled like
 * ts-node's transpile-only mode, cached across processes: see ts-register.cjs).
 */
export const CLI_COMMAND = [
  process.execPath,
  '-r',
  join(ROOT, 'test', 'support', 'ts-register.cjs'),
  join(ROOT, 'src', 'cli', 'main.ts'),
];

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr has printed text matching `pattern`; rejects if the process ends first. */
  waitForStderr(pattern: RegExp): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `storyflow-voice <args>` with pipes (not a terminal) for stdout and stderr. */
export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => {
    err += chunk;
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`CLI exited (${code}) before ${w.pattern}:\n${err}`));
      }
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr: (pattern) =>
      pattern.test(err)
        ? Promise.resolve()
        : new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject })),
  };
}

/** Runs the CLI to its end. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** True when the command is on the PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
