import { Logger } from '@nestjs/common';
import type { RedisConnections } from '../../common/redis/redis-connections';
import type { TaskRecord } from '../task.types';
import { addListener, Listener } from './listener-sets';
import { TaskEventBus, Unsubscribe } from './task-event.bus';

/**
 * Task events across nodes on Redis pub/sub: every version is published on one channel
 * (`<prefix>:task-versions`, the record as JSON) and every cancel on another
 * (`<prefix>:task-cancels`, the task id). Each process subscribes to both once and hands
 * messages to its local listeners by task id. One channel per kind keeps the order of a
 * task's versions (Redis delivers a connection's messages in order) with two subscriptions
 * per process, however many tasks run. Delivery goes through Redis only, so a listener sees
 * each version once, local or not. While Redis is away, publishes are lost (logged): pollers
 * still read the store, and watchers of a task see its next version once Redis is back.
 */
export class RedisTaskEventBus extends TaskEventBus {
  private readonly logger = new Logger(RedisTaskEventBus.name);
  private readonly changes = new Map<string, Set<Listener<TaskRecord>>>();
  private readonly cancels = new Map<string, Set<Listener<void>>>();
  /** Hears every version of every task (the state store's cache). */
  private readonly everyVersion = new Set<Listener<TaskRecord>>();
  /** Called when the subscription was re-made: versions may have been missed meanwhile. */
  private readonly resubscribed = new Set<() => void>();
  private readonly versionsChannel: string;
  private readonly cancelsChannel: string;
  readonly ready: Promise<void>;

  constructor(private readonly redis: RedisConnections) {
    super();
    this.versionsChannel = redis.key('task-versions');
    this.cancelsChannel = redis.key('task-cancels');
    const subscriber = redis.subscriber;
    subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    let first = true;
    subscriber.on('ready', () => {
      // ioredis subscribes again by itself after a reconnection; what was sent meanwhile is lost.
      if (first) return;
      for (const listener of this.resubscribed) listener();
    });
    this.ready = subscriber.subscribe(this.versionsChannel, this.cancelsChannel).then(
      () => {
        first = false;
      },
      (error: unknown) => {
        first = false;
        this.logger.warn(`Could not subscribe to task events yet: ${String(error)}`);
      },
    );
  }

  publish(task: TaskRecord): void {
    this.send(this.versionsChannel, JSON.stringify(task));
  }

  subscribe(taskId: string, listener: (task: TaskRecord) => void): Unsubscribe {
    return addListener(this.changes, taskId, listener);
  }

  cancel(taskId: string): void {
    this.send(this.cancelsChannel, taskId);
  }

  onCancel(taskId: string, listener: () => void): Unsubscribe {
    return addListener(this.cancels, taskId, listener);
  }

  listenerCount(taskId: string): number {
    return (this.changes.get(taskId)?.size ?? 0) + (this.cancels.get(taskId)?.size ?? 0);
  }

  /** Every version of every task, from any node (not part of the port: the store's cache). */
  onEveryVersion(listener: (task: TaskRecord) => void): Unsubscribe {
    this.everyVersion.add(listener);
    return () => this.everyVersion.delete(listener);
  }

  /** Called after a lost subscription was re-made (versions may have been missed). */
  onResubscribed(listener: () => void): Unsubscribe {
    this.resubscribed.add(listener);
    return () => this.resubscribed.delete(listener);
  }

  private send(channel: string, message: string): void {
    this.redis.command.publish(channel, message).catch((error: unknown) => {
      this.logger.warn(`Could not publish a task event: ${String(error)}`);
    });
  }

  private receive(channel: string, message: string): void {
    if (channel === this.versionsChannel) {
      let task: TaskRecord;
      try {
        task = JSON.parse(message) as TaskRecord;
      } catch {
        return;
      }
      for (const listener of this.everyVersion) listener(task);
      const listeners = this.changes.get(task.id);
      if (listeners) for (const listener of [...listeners]) listener(task);
    } else if (channel === this.cancelsChannel) {
      const listeners = this.cancels.get(message);
      if (listeners) for (const listener of [...listeners]) listener();
    }
  }
}
