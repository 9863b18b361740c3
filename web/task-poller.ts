import { api, ApiError, TaskSnapshot } from './api.js';

/** StoryFlow's client polls a generation task every 2 s... */
export const POLL_INTERVAL_MS = 2000;
/** ...and gives up after 3 failed polls in a row ("Lost connection to server"). */
export const MAX_CONSECUTIVE_FAILURES = 3;
/** A poll still unanswered after this long counts as a failed poll. */
const POLL_TIMEOUT_MS = 10_000;

export interface TaskPollHandlers {
  /** Every successful poll, terminal ones included. */
  onStatus(status: TaskSnapshot): void;
  /** The task reached COMPLETED or FAILED; polling has stopped. */
  onFinished(status: TaskSnapshot): void;
  /** MAX_CONSECUTIVE_FAILURES polls failed in a row; polling has stopped. */
  onLostConnection(lastError: ApiError): void;
}

export interface TaskPoll {
  readonly taskId: string;
  /** Stops polling; no handler is called afterwards. */
  stop(): void;
}

/**
 * Polls `GET /api/tasks/{id}/status/` the way StoryFlow's frontend does: a tick every
 * POLL_INTERVAL_MS, the first one POLL_INTERVAL_MS after the task was accepted; stop at
 * COMPLETED or FAILED; any failed poll (network error, timeout, non-2xx such as a 404
 * for a task the server no longer knows) counts, a successful one resets the count.
 * Unlike a bare `setInterval` of async calls, a tick is skipped while the previous poll
 * is still in flight, so a slow server never gets overlapping polls from one page.
 */
export function pollTask(taskId: string, handlers: TaskPollHandlers): TaskPoll {
  let stopped = false;
  let inFlight = false;
  let consecutiveFailures = 0;

  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };

  const tick = async (): Promise<void> => {
    if (stopped || inFlight) return;
    inFlight = true;
    try {
      const status = await api.taskStatus(taskId, POLL_TIMEOUT_MS);
      if (stopped) return;
      consecutiveFailures = 0;
      handlers.onStatus(status);
      if (status.status === 'COMPLETED' || status.status === 'FAILED') {
        stop();
        handlers.onFinished(status);
      }
    } catch (error) {
      if (stopped) return;
      consecutiveFailures += 1;
      if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
        stop();
        handlers.onLostConnection(
          error instanceof ApiError ? error : new ApiError(0, 'Cannot reach the server'),
        );
      }
    } finally {
      inFlight = false;
    }
  };

  const timer = setInterval(() => void tick(), POLL_INTERVAL_MS);
  return { taskId, stop };
}
