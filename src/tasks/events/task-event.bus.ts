import type { TaskRecord } from '../task.types';

export type Unsubscribe = () => void;

/**
 * Port: change notifications and cancel signals. The in-process adapter calls listeners
 * synchronously; a pub/sub (Redis) implements the same contract
 * (`task-event.bus.contract.ts`) so that any node's watcher and runner hear every version.
 *
 * - `published` versions of one task reach each listener in version order, each once;
 *   a listener may see a version twice or miss none (consumers ignore versions ≤ the last).
 * - `cancel` reaches every `onCancel` listener of the task, wherever it runs.
 */
export abstract class TaskEventBus {
  abstract publish(task: TaskRecord): void;
  abstract subscribe(taskId: string, listener: (task: TaskRecord) => void): Unsubscribe;
  abstract cancel(taskId: string): void;
  abstract onCancel(taskId: string, listener: () => void): Unsubscribe;
  /** Listeners of a task (to check that nothing leaks). */
  abstract listenerCount(taskId: string): number;
}
