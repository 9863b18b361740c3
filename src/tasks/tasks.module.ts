import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { InProcessTaskEventBus } from './events/in-process-task-event.bus';
import { TaskEventBus } from './events/task-event.bus';
import { MemoryTaskStateStore } from './state/memory-task-state.store';
import { KyselyTaskRecordRepository } from './state/kysely-task-record.repository';
import { TaskRecordRepository } from './state/task-record.repository';
import { TASK_STATE_POLICY, TaskStatePolicy, TaskStateStore } from './state/task-state.store';
import { TaskManagerService } from './task-manager.service';
import { SSE_HEARTBEAT_MS, TaskStatusController } from './task-status.controller';
import { TaskViewCache } from './task-view.cache';

/**
 * Background task state and its HTTP face. Knows nothing about audio. The adapters of the
 * two ports are chosen here: in memory (written through to SQLite) and in process today;
 * a shared store and a pub/sub plug in as other factories (docs/ARCHITECTURE.md).
 */
@Module({
  controllers: [TaskStatusController],
  providers: [
    TaskManagerService,
    { provide: TaskViewCache, useFactory: () => new TaskViewCache() },
    { provide: TaskRecordRepository, useClass: KyselyTaskRecordRepository },
    { provide: TaskEventBus, useClass: InProcessTaskEventBus },
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
      inject: [TASK_STATE_POLICY, TaskRecordRepository, TaskViewCache],
      useFactory: (policy: TaskStatePolicy, records: TaskRecordRepository, views: TaskViewCache) =>
        new MemoryTaskStateStore(policy, records, views),
    },
    { provide: SSE_HEARTBEAT_MS, useValue: 15_000 },
  ],
  exports: [TaskManagerService],
})
export class TasksModule {}
