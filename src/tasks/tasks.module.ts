import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { RedisConnections } from '../common/redis/redis-connections';
import { InProcessTaskEventBus } from './events/in-process-task-event.bus';
import { RedisTaskEventBus } from './events/redis-task-event.bus';
import { TaskEventBus } from './events/task-event.bus';
import { MemoryTaskStateStore } from './state/memory-task-state.store';
import { KyselyTaskRecordRepository } from './state/kysely-task-record.repository';
import { RedisTaskStateStore } from './state/redis-task-state.store';
import { TaskRecordRepository } from './state/task-record.repository';
import { TASK_STATE_POLICY, TaskStatePolicy, TaskStateStore } from './state/task-state.store';
import { TaskManagerService } from './task-manager.service';
import { SSE_HEARTBEAT_MS, TaskStatusController } from './task-status.controller';
import { TaskViewCache } from './task-view.cache';

/**
 * Background task state and its HTTP face. Knows nothing about audio. The adapters of the
 * two ports are chosen here: in memory and in process (written through to the database)
 * without REDIS_URL; with it, the shared store and pub/sub on Redis (docs/SCALING.md).
 * The Redis connections (null without REDIS_URL) are exported for the generation queue.
 */
@Module({
  controllers: [TaskStatusController],
  providers: [
    TaskManagerService,
    { provide: TaskViewCache, useFactory: () => new TaskViewCache() },
    { provide: TaskRecordRepository, useClass: KyselyTaskRecordRepository },
    {
      provide: RedisConnections,
      inject: [appConfig.KEY],
      useFactory: (config: ConfigType<typeof appConfig>): RedisConnections | null =>
        config.redis ? new RedisConnections(config.redis.url, config.redis.prefix) : null,
    },
    {
      provide: TaskEventBus,
      inject: [RedisConnections],
      useFactory: (redis: RedisConnections | null): TaskEventBus =>
        redis ? new RedisTaskEventBus(redis) : new InProcessTaskEventBus(),
    },
    {
      provide: TASK_STATE_POLICY,
      inject: [appConfig.KEY],
      useFactory: (config: ConfigType<typeof appConfig>): TaskStatePolicy => ({
        maxActive: config.maxActiveTasks,
        retentionSeconds: config.taskRetentionSeconds,
        maxRetained: config.taskMaxRetained,
      }),
    },
    {
      provide: TaskStateStore,
      inject: [
        TASK_STATE_POLICY,
        TaskRecordRepository,
        TaskViewCache,
        RedisConnections,
        TaskEventBus,
      ],
      useFactory: (
        policy: TaskStatePolicy,
        records: TaskRecordRepository,
        views: TaskViewCache,
        redis: RedisConnections | null,
        events: TaskEventBus,
      ): TaskStateStore => {
        if (!redis) return new MemoryTaskStateStore(policy, records, views);
        const store = new RedisTaskStateStore(redis, policy, records, views);
        // Every version any node publishes is remembered: a poll of it is a map lookup.
        const bus = events as RedisTaskEventBus;
        bus.onEveryVersion((task) => store.remember(task));
        bus.onResubscribed(() => store.forgetRemembered());
        return store;
      },
    },
    { provide: SSE_HEARTBEAT_MS, useValue: 15_000 },
  ],
  exports: [TaskManagerService, RedisConnections],
})
export class TasksModule {}
