import type { SegmentsService } from '../../projects/segments/segments.service';
import { TaskManagerService } from '../../tasks/task-manager.service';
import { engineScheduler } from '../fair-scheduler';
import type { AudioStorage } from '../storage/audio.storage';
import { SynthesisMetrics } from '../synthesis.metrics';
import { generationQueueContract } from './generation-queue.contract';
import { InProcessGenerationQueue } from './in-process-generation.queue';
import { SegmentPipeline } from './segment-pipeline';

generationQueueContract(
  'InProcessGenerationQueue (fair scheduler + engine pool)',
  async (engine) => {
    const tasks = TaskManagerService.inMemory();
    const storage = {
      write: async () => undefined,
      remove: async () => undefined,
      urlPath: (p: string, s: string) => `/media/projects/${p}/audio/${s}.wav`,
      removeTemporaryFiles: async () => 0,
    } as unknown as AudioStorage;
    const segments = { setAudio: async () => undefined } as unknown as SegmentsService;
    const pipeline = new SegmentPipeline(engine, storage, segments, tasks, new SynthesisMetrics());
    const queue = new InProcessGenerationQueue(engine, engineScheduler(engine), pipeline, tasks, {
      shutdownGraceSeconds: 1,
    });
    queue.onApplicationBootstrap();
    return { queue, tasks, dispose: () => queue.onModuleDestroy() };
  },
);
