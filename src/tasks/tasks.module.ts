import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app.config';
import {
  TASK_MANAGER_OPTIONS,
  TaskManagerOptions,
  TaskManagerService,
} from './task-manager.service';
import { SqliteTaskStore } from './persistence/sqlite-task.store';
import { SSE_HEARTBEAT_MS, TaskStatusController } from './task-status.controller';
import { TaskStore } from './task-store.port';

/** Background task state and its HTTP face. Knows nothing about audio. */
@Module({
  controllers: [TaskStatusController],
  providers: [
    TaskManagerService,
    { provide: TaskStore, useClass: SqliteTaskStore },
    { provide: SSE_HEARTBEAT_MS, useValue: 15_000 },
    {
      provide: TASK_MANAGER_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService): TaskManagerOptions => {
        const app = config.getOrThrow<AppConfig>('app');
        return {
          maxActive: app.maxActiveTasks,
          retentionSeconds: app.taskRetentionSeconds,
          maxRetained: app.taskMaxRetained,
        };
      },
    },
  ],
  exports: [TaskManagerService],
})
export class TasksModule {}
