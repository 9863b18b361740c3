import type { RedisConnections } from '../../common/redis/redis-connections';
import { testRedisConnections } from '../../common/redis/redis-test-connections';
import { RedisTaskEventBus } from './redis-task-event.bus';
import { describeTaskEventBusContract } from './task-event.bus.contract';

// A real Redis (TEST_REDIS_URL, 127.0.0.1:6379 by default): fails, never skips, without one.
const opened: { redis: RedisConnections; cleanup: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const { cleanup } of opened) await cleanup();
});

describeTaskEventBusContract('Redis pub/sub', async () => {
  const connections = await testRedisConnections('bus');
  opened.push(connections);
  const bus = new RedisTaskEventBus(connections.redis);
  await bus.ready;
  return bus;
});

describe('RedisTaskEventBus across processes', () => {
  it('a version published by one node and a cancel from it reach the other node', async () => {
    const a = await testRedisConnections('bus-nodes');
    opened.push(a);
    const { RedisConnections: Connections } = await import('../../common/redis/redis-connections');
    const b = new Connections(a.redis.url, a.redis.prefix);
    opened.push({ redis: b, cleanup: () => b.onApplicationShutdown() });
    await b.ready();
    const busA = new RedisTaskEventBus(a.redis);
    const busB = new RedisTaskEventBus(b);
    await Promise.all([busA.ready, busB.ready]);
    const versions: number[] = [];
    let cancelled = false;
    busB.subscribe('t', (task) => versions.push(task.version));
    busB.onCancel('t', () => (cancelled = true));
    const { newTaskRecord } = await import('../task-transitions');
    busA.publish({ ...newTaskRecord('t', { total: 1 }, new Date()), version: 4 });
    busA.cancel('t');
    while (!cancelled || versions.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(versions).toEqual([4]);
  });
});
