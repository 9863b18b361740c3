import { setTimeout as sleep } from 'node:timers/promises';
import { Presets, SingleBar } from 'cli-progress';
import { createParser } from 'eventsource-parser';
import type { TaskSnapshot as ServerSnapshot } from '../tasks/task.types';
import { CliError, EXIT } from './cli.errors';
import { etaTime } from './narrate-progress';

/** The contract's task snapshot (`GET /api/tasks/{id}/status/`), the fields the CLI shows. */
type TaskSnapshot = Pick<ServerSnapshot, 'task_id' | 'status' | 'progress' | 'errors'>;

export interface StatusOptions {
  url: string;
  follow: boolean;
  /** Seconds between two polls of the fallback (1 by default). */
  interval?: number;
}

export interface StatusOutcome {
  /** One line for stdout. */
  line: string;
  exitCode: number;
}

/** Default polling period of the fallback: a poll costs the server a memory lookup. */
export const POLL_SECONDS = 1;
/** Failed polls in a row before giving up on the server. */
const MAX_POLL_FAILURES = 5;

/**
 * `storyflow-voice status`: a task of a running server. Once, or with `follow` as a live
 * progress bar until the task ends: over the server-sent event stream
 * (`/api/tasks/{id}/events`), falling back to polling `/status/` when the stream cannot be
 * opened or breaks. A FAILED task exits 1 with its first error on stderr.
 */
export async function status(taskId: string, options: StatusOptions): Promise<StatusOutcome> {
  const base = options.url.replace(/\/+$/, '');
  const id = encodeURIComponent(taskId);
  if (!options.follow) return outcome(await fetchStatus(`${base}/api/tasks/${id}/status/`));

  const view = new StatusView(process.stderr);
  const onSignal = () => {
    view.stop();
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  try {
    const streamed = await followEvents(`${base}/api/tasks/${id}/events`, view);
    const pollMs = (options.interval ?? POLL_SECONDS) * 1000;
    const last = streamed ?? (await followPolling(`${base}/api/tasks/${id}/status/`, view, pollMs));
    view.stop();
    return outcome(last);
  } finally {
    view.stop();
    process.off('SIGINT', onSignal);
  }
}

function outcome(snapshot: TaskSnapshot): StatusOutcome {
  const { current, total, percentage } = snapshot.progress;
  const line = `${snapshot.task_id} ${snapshot.status} ${current}/${total} segments (${percentage}%)`;
  if (snapshot.status !== 'FAILED') return { line, exitCode: EXIT.ok };
  const [first, ...more] = snapshot.errors;
  const reason = first ? `: ${first.error}${more.length ? ` (and ${more.length} more)` : ''}` : '';
  throw new CliError(`task ${snapshot.task_id} FAILED${reason}`, EXIT.failure);
}

const isTerminal = (s: TaskSnapshot) => s.status === 'COMPLETED' || s.status === 'FAILED';

/** The terminal snapshot from the event stream, or null when the stream is of no use. */
async function followEvents(url: string, view: StatusView): Promise<TaskSnapshot | null> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'text/event-stream' } });
  } catch {
    return null; // unreachable: the polling fallback says so after its retries
  }
  if (response.status === 404) throw await httpError(response);
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
    await response.body?.cancel();
    return null;
  }
  let last: TaskSnapshot | null = null;
  const parser = createParser({
    onEvent(event) {
      if (event.event !== 'status') return;
      try {
        last = JSON.parse(event.data) as TaskSnapshot;
        view.show(last);
      } catch {
        // not a snapshot: ignore it, the next one will do
      }
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (last && isTerminal(last)) break;
    }
  } catch {
    // the stream broke: poll from here
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const final = last as TaskSnapshot | null;
  return final && isTerminal(final) ? final : null;
}

async function followPolling(url: string, view: StatusView, pollMs: number): Promise<TaskSnapshot> {
  let failures = 0;
  for (;;) {
    try {
      const snapshot = await fetchStatus(url);
      failures = 0;
      view.show(snapshot);
      if (isTerminal(snapshot)) return snapshot;
    } catch (error) {
      // The server restarting or a network blip: retry a few times before giving up.
      if (!(error instanceof ServerUnreachableError) || ++failures >= MAX_POLL_FAILURES) {
        throw error;
      }
    }
    await sleep(pollMs);
  }
}

class ServerUnreachableError extends CliError {}

async function fetchStatus(url: string): Promise<TaskSnapshot> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message = `cannot reach the server at ${new URL(url).origin}${cause ? ` (${cause})` : ''}`;
    throw new ServerUnreachableError(message);
  }
  if (!response.ok) throw await httpError(response);
  return (await response.json()) as TaskSnapshot;
}

async function httpError(response: Response): Promise<CliError> {
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
  const reason = typeof body?.error === 'string' ? body.error : response.statusText;
  return new CliError(`server answered ${response.status}: ${reason}`);
}

/**
 * The live view of a followed task on stderr: a progress bar on a terminal, else one line per
 * change of status or progress.
 */
class StatusView {
  private bar: SingleBar | null = null;
  private lastLine = '';
  private stopped = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  show(snapshot: TaskSnapshot): void {
    const { current, total } = snapshot.progress;
    if (!this.stream.isTTY) {
      const line = `${snapshot.status} ${current}/${total}`;
      if (line !== this.lastLine) this.stream.write(`${line}\n`);
      this.lastLine = line;
      return;
    }
    if (!this.bar) {
      this.bar = new SingleBar(
        {
          stream: this.stream,
          hideCursor: true,
          formatTime: etaTime,
          format: `${snapshot.task_id} {bar} {value}/{total} segments | {percentage}% | {status} | ETA {eta_formatted}`,
        },
        Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), current, { status: snapshot.status });
    }
    this.bar.update(current, { status: snapshot.status });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
  }
}
