import { Module } from '@nestjs/common';
import { TaskManagerService } from './task-manager.service';
import { TaskStatusController } from './task-status.controller';

/** Background task state and its HTTP face. Knows nothing about audio. */
@Module({
  controllers: [TaskStatusController],
  providers: [TaskManagerService],
  exports: [TaskManagerService],
})
export class TasksModule {}
