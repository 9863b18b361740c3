import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { lastValueFrom } from 'rxjs';
import { TaskManagerService } from '../../src/tasks/task-manager.service';
import type { TaskSnapshot } from '../../src/tasks/task.types';

/** Resolves with the terminal snapshot of a task: awaits its events, no sleeping. */
export async function taskFinished(
  app: NestFastifyApplication,
  taskId: string,
): Promise<TaskSnapshot> {
  return lastValueFrom(await app.get(TaskManagerService).watch(taskId));
}
