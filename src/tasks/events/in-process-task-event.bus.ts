import { Injectable } from '@nestjs/common';
import type { TaskRecord } from '../task.types';
import { TaskEventBus, Unsubscribe } from './task-event.bus';

type Listener<T> = (value: T) => void;

/** The task event bus of one process: maps of listener sets, called synchronously. */
@Injectable()
export class InProcessTaskEventBus extends TaskEventBus {
  private readonly changes = new Map<string, Set<Listener<TaskRecord>>>();
  private readonly cancels = new Map<string, Set<Listener<void>>>();

  publish(task: TaskRecord): void {
    const listeners = this.changes.get(task.id);
    if (listeners) for (const listener of [...listeners]) listener(task);
  }

  subscribe(taskId: string, listener: (task: TaskRecord) => void): Unsubscribe {
    return add(this.changes, taskId, listener);
  }

  cancel(taskId: string): void {
    const listeners = this.cancels.get(taskId);
    if (listeners) for (const listener of [...listeners]) listener();
  }

  onCancel(taskId: string, listener: () => void): Unsubscribe {
    return add(this.cancels, taskId, listener);
  }

  listenerCount(taskId: string): number {
    return (this.changes.get(taskId)?.size ?? 0) + (this.cancels.get(taskId)?.size ?? 0);
  }
}

function add<T>(
  map: Map<string, Set<Listener<T>>>,
  key: string,
  listener: Listener<T>,
): Unsubscribe {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && map.get(key) === set) map.delete(key);
  };
}
