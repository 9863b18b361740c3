import { RedisConnections } from '../../common/redis/redis-connections';
import { testRedisConnections } from '../../common/redis/redis-test-connections';
import { TooManyActiveTasksError } from '../task.errors';
import { newTaskRecord } from '../task-transitions';
import { TaskViewCache } from '../task-view.cache';
import { RedisTaskStateStore } from './redis-task-state.store';
import { describeTaskStateStoreContract, RecordingTaskRecords } from './task-state.store.contract';

// A real Redis (TEST_REDIS_URL, 127.0.0.1:6379 by default): fails, never skips, without one.
// Each store gets a key prefix of its own, removed afterwards.
const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of opened) await cleanup();
});

describeTaskStateStoreContract('Redis', async (policy, records) => {
  const { redis, cleanup } = await testRedisConnections('state');
  opened.push(cleanup);
  return new RedisTaskStateStore(redis, policy, records, new TaskViewCache());
});

describe('RedisTaskStateStore shared by two nodes', () => {
  const policy = { maxActive: 2, retentionSeconds: 60, maxRetained: 5 };
  let a: RedisTaskStateStore;
  let b: RedisTaskStateStore;
  let records: RecordingTaskRecords;

  beforeEach(async () => {
    const first = await testRedisConnections('state-nodes');
    opened.push(first.cleanup);
    const second = new RedisConnections(first.redis.url, first.redis.prefix);
    opened.push(() => second.onApplicationShutdown());
    await second.ready();
    records = new RecordingTaskRecords();
    a = new RedisTaskStateStore(first.redis, policy, records, new TaskViewCache(), {
      owner: 'host-a:1:aa',
    });
    b = new RedisTaskStateStore(second, policy, records, new TaskViewCache(), {
      owner: 'host-b:2:bb',
    });
  });

  it('a task created on A is readable on B at once, and changes from both interleave', async () => {
    await a.create(newTaskRecord('x', { total: 4 }, new Date()), []);
    expect((await b.get('x'))?.version).toBe(1);
    const settle = (store: RedisTaskStateStore, s: string) =>
      store.update('x', {
        kind: 'settle-segment',
        outcome: { segmentId: s, completed: { segment_id: s, audio_url: `/${s}`, duration: 1 } },
      });
    const results = await Promise.all([
      settle(a, 's1'),
      settle(b, 's2'),
      settle(a, 's3'),
      settle(b, 's4'),
    ]);
    expect(results.map((r) => r?.version).sort()).toEqual([2, 3, 4, 5]);
    const last = await b.update('x', { kind: 'finish' });
    expect(last).toMatchObject({ version: 6, status: 'COMPLETED', current: 4 });
    expect(records.rows.get('x')?.version).toBe(6);
  });

  it('maxActive and the duplicate guard hold across nodes', async () => {
    await a.create(newTaskRecord('p1', { total: 1 }, new Date()), ['batch:p']);
    await expect(
      b.create(newTaskRecord('p2', { total: 1 }, new Date()), ['batch:p']),
    ).rejects.toMatchObject({ holder: 'p1' });
    await b.create(newTaskRecord('p3', { total: 1 }, new Date()), []);
    await expect(a.create(newTaskRecord('p4', { total: 1 }, new Date()), [])).rejects.toThrow(
      TooManyActiveTasksError,
    );
  });

  it('a node that has seen the current version answers from memory', async () => {
    await a.create(newTaskRecord('m', { total: 1 }, new Date()), []);
    const next = await a.update('m', { kind: 'start' });
    b.remember(next!);
    const get = jest.spyOn(b['redis'], 'get');
    expect((await b.get('m'))?.version).toBe(2);
    expect(get).not.toHaveBeenCalled();
  });
});
