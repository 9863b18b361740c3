import { Injectable } from '@nestjs/common';
import type { TaskRecord } from '../task.types';
import { addListener, Listener } from './listener-sets';
import { TaskEventBus, Unsubscribe } from './task-event.bus';

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
    return addListener(this.changes, taskId, listener);
  }

  cancel(taskId: string): void {
    const listeners = this.cancels.get(taskId);
    if (listeners) for (const listener of [...listeners]) listener();
  }

  onCancel(taskId: string, listener: () => void): Unsubscribe {
    return addListener(this.cancels, taskId, listener);
  }

  listenerCount(taskId: string): number {
    return (this.changes.get(taskId)?.size ?? 0) + (this.cancels.get(taskId)?.size ?? 0);
  }
}
