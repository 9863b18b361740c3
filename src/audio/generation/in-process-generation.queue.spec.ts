import { TaskManagerService } from '../../tasks/task-manager.service';
import { engineScheduler } from '../fair-scheduler';
import { generationQueueContract, pipelineForQueueTests } from './generation-queue.contract';
import { InProcessGenerationQueue } from './in-process-generation.queue';

generationQueueContract(
  'InProcessGenerationQueue (fair scheduler + engine pool)',
  async (engine) => {
    const tasks = TaskManagerService.inMemory();
    const { pipeline } = pipelineForQueueTests(engine, tasks);
    const queue = new InProcessGenerationQueue(engine, engineScheduler(engine), pipeline, tasks, {
      shutdownGraceSeconds: 1,
    });
    queue.onApplicationBootstrap();
    return { queue, tasks, dispose: () => queue.onModuleDestroy() };
  },
);
