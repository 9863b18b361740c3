import { setTimeout as delay } from 'node:timers/promises';
import { testRedisConnections } from '../../common/redis/redis-test-connections';
import { RedisTaskEventBus } from '../../tasks/events/redis-task-event.bus';
import { RedisTaskStateStore } from '../../tasks/state/redis-task-state.store';
import { NullTaskRecordRepository } from '../../tasks/state/task-record.repository';
import { TaskManagerService } from '../../tasks/task-manager.service';
import { TaskViewCache } from '../../tasks/task-view.cache';
import { BullmqGenerationQueue } from './bullmq-generation.queue';
import { generationQueueContract, pipelineForQueueTests } from './generation-queue.contract';

// A real Redis (TEST_REDIS_URL, 127.0.0.1:6379 by default): fails, never skips, without one.
// Each fixture runs on a key prefix of its own (tasks, events and BullMQ), removed afterwards.
generationQueueContract('BullmqGenerationQueue (BullMQ on Redis)', async (engine) => {
  const { redis, cleanup } = await testRedisConnections('queue');
  const views = new TaskViewCache();
  const events = new RedisTaskEventBus(redis);
  await events.ready;
  const state = new RedisTaskStateStore(
    redis,
    { maxActive: 100, retentionSeconds: 60, maxRetained: 100 },
    new NullTaskRecordRepository(),
    views,
  );
  events.onEveryVersion((task) => state.remember(task));
  const tasks = new TaskManagerService(state, events, views);
  const { pipeline, storage } = pipelineForQueueTests(engine, tasks);
  const queue = new BullmqGenerationQueue(redis, engine, pipeline, tasks, storage, {
    runsJobs: true,
    shutdownGraceSeconds: 1,
  });
  queue.onApplicationBootstrap();
  await queue.ensureAccepting();
  return {
    queue,
    tasks,
    // Work crosses Redis: give its round trips (job fetch, lock, pub/sub) time to happen.
    settle: () => delay(150),
    dispose: async () => {
      await queue.onModuleDestroy();
      await cleanup();
    },
  };
});
