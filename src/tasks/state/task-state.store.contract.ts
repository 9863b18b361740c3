import { hostname } from 'node:os';
import { TaskClaimConflictError, TaskExistsError, TooManyActiveTasksError } from '../task.errors';
import { newTaskRecord, segmentClaim } from '../task-transitions';
import type { NewTask, TaskRecord } from '../task.types';
import { TaskRecordRepository } from './task-record.repository';
import type { TaskStatePolicy, TaskStateStore } from './task-state.store';

/** A durable record kept in memory, to see what an adapter wrote through. */
export class RecordingTaskRecords extends TaskRecordRepository {
  readonly rows = new Map<string, TaskRecord>();
  async loadAll(): Promise<TaskRecord[]> {
    return [...this.rows.values()];
  }
  async save(task: TaskRecord): Promise<void> {
    const row = this.rows.get(task.id);
    if (!row || row.version < task.version) this.rows.set(task.id, task);
  }
  async removeMany(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.rows.delete(id);
  }
}

export type TaskStateStoreFactory = (
  policy: TaskStatePolicy,
  records: RecordingTaskRecords,
) => Promise<TaskStateStore> | TaskStateStore;

/**
 * The contract every TaskStateStore adapter passes: run it once per adapter
 * (`describeTaskStateStoreContract('redis', (policy, records) => new RedisTaskStateStore(...))`).
 */
export function describeTaskStateStoreContract(name: string, make: TaskStateStoreFactory): void {
  describe(`TaskStateStore contract: ${name}`, () => {
    const policy: TaskStatePolicy = { maxActive: 3, retentionSeconds: 60, maxRetained: 5 };
    let records: RecordingTaskRecords;
    let store: TaskStateStore;
    let serial = 0;
    const id = () => `contract_${process.pid}_${++serial}`;
    const task = (taskId: string, init: Partial<NewTask> = {}) =>
      newTaskRecord(taskId, { total: 2, ...init }, new Date());
    const completed = (segmentId: string) => ({
      segmentId,
      completed: { segment_id: segmentId, audio_url: `/a/${segmentId}.wav`, duration: 1 },
    });

    beforeEach(async () => {
      records = new RecordingTaskRecords();
      store = await make(policy, records);
    });

    it('creates a task at version 1, stored before it is readable', async () => {
      const t = id();
      const created = await store.create(task(t), []);
      expect(created).toMatchObject({ id: t, version: 1, status: 'PENDING' });
      expect(created.owner).not.toBe('');
      expect(await store.get(t)).toEqual(created);
      expect(records.rows.get(t)?.version).toBe(1);
    });

    it('a finished task reads back whole, segment lists included, as its last version', async () => {
      const t = id();
      await store.create(task(t), []);
      await store.update(t, { kind: 'start' });
      await store.update(t, { kind: 'begin-segment', segmentId: 's1' });
      await store.update(t, { kind: 'settle-segment', outcome: completed('s1') });
      await store.update(t, { kind: 'begin-segment', segmentId: 's2' });
      await store.update(t, {
        kind: 'settle-segment',
        outcome: { segmentId: 's2', error: 'boom' },
      });
      const last = await store.update(t, { kind: 'finish' });
      expect(last?.status).toBe('COMPLETED');
      const read = await store.get(t);
      // Spread reads every field, however an adapter keeps a finished task.
      expect({ ...read }).toEqual({ ...last });
      expect(read?.completed.map((c) => c.segment_id)).toEqual(['s1']);
      expect(read?.errors).toEqual([{ segment_id: 's2', error: 'boom' }]);
    });

    it('refuses an id in use', async () => {
      const t = id();
      await store.create(task(t), []);
      await expect(store.create(task(t), [])).rejects.toThrow(TaskExistsError);
    });

    it('the duplicate guard: an exclusive claim held by an unfinished task refuses, naming it', async () => {
      const a = id();
      await store.create(task(a, { claims: ['segment:s1', 'segment:s2'] }), ['batch:p']);
      await expect(store.create(task(id()), ['batch:p'])).rejects.toMatchObject({
        constructor: TaskClaimConflictError,
        holder: a,
      });
      await expect(store.create(task(id()), ['segment:s1'])).rejects.toThrow(
        TaskClaimConflictError,
      );
      // A segment's claim goes when it settles; every claim when the task ends.
      await store.update(a, { kind: 'settle-segment', outcome: completed('s1') });
      await expect(store.create(task(id()), [segmentClaim('s1')])).resolves.toBeDefined();
      await store.update(a, { kind: 'fail' });
      await expect(store.create(task(id()), ['batch:p'])).resolves.toBeDefined();
    });

    it('backpressure: at most maxActive unfinished tasks, again once one ends', async () => {
      const ids = [id(), id(), id()];
      for (const t of ids) await store.create(task(t), []);
      await expect(store.create(task(id()), [])).rejects.toThrow(TooManyActiveTasksError);
      await store.update(ids[0], { kind: 'finish' });
      await expect(store.create(task(id()), [])).resolves.toBeDefined();
    });

    it('concurrent creates: the guard and the limit hold atomically', async () => {
      const results = await Promise.allSettled(
        [1, 2, 3, 4, 5].map(() => store.create(task(id()), ['batch:same'])),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('versions grow by one per applied change; refused changes make none', async () => {
      const t = id();
      await store.create(task(t), []);
      expect((await store.update(t, { kind: 'start' }))?.version).toBe(2);
      expect(await store.update(t, { kind: 'start' })).toBeNull();
      expect((await store.update(t, { kind: 'begin-segment', segmentId: 's1' }))?.version).toBe(3);
      expect(await store.update('missing', { kind: 'start' })).toBeNull();
      expect((await store.get(t))?.version).toBe(3);
    });

    it('concurrent changes of one task are all applied, in order, none lost', async () => {
      const t = id();
      await store.create(task(t, { total: 20 }), []);
      const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
      const versions = await Promise.all(
        ids.map((s) => store.update(t, { kind: 'settle-segment', outcome: completed(s) })),
      );
      expect(versions.map((v) => v?.version)).toEqual(ids.map((_, i) => i + 2));
      const last = (await store.get(t))!;
      expect(last.current).toBe(20);
      expect(last.completed.map((c) => c.segment_id)).toEqual(ids);
      expect(records.rows.get(t)?.version).toBe(21);
    });

    it('a finished task never changes again', async () => {
      const t = id();
      await store.create(task(t), []);
      await store.update(t, { kind: 'fail', error: 'x' });
      const before = await store.get(t);
      expect(await store.update(t, { kind: 'start' })).toBeNull();
      expect(await store.update(t, { kind: 'settle-segment', outcome: completed('s') })).toBeNull();
      expect(await store.get(t)).toEqual(before);
    });

    it('lists newest first with filters, and counts by status', async () => {
      const [a, b, c] = [id(), id(), id()];
      await store.create(task(a, { labels: { project_id: 'p1' } }), []);
      await store.create(task(b, { labels: { project_id: 'p2' } }), []);
      await store.create(task(c, { labels: { project_id: 'p1' } }), []);
      await store.update(c, { kind: 'start' });
      expect((await store.list()).map((s) => s.task_id)).toEqual([c, b, a]);
      expect((await store.list({ labels: { project_id: 'p1' } })).map((s) => s.task_id)).toEqual([
        c,
        a,
      ]);
      expect((await store.list({ status: 'PROCESSING' })).map((s) => s.task_id)).toEqual([c]);
      expect(await store.counts()).toEqual({ PENDING: 2, PROCESSING: 1, COMPLETED: 0, FAILED: 0 });
    });

    it('retention: finished tasks go after retentionSeconds, unfinished ones never', async () => {
      const [done, running] = [id(), id()];
      await store.create(task(done), []);
      await store.update(done, { kind: 'finish' });
      await store.create(task(running), []);
      expect(await store.sweep(Date.now() + 30_000)).toEqual([]);
      expect(await store.sweep(Date.now() + 61_000)).toEqual([done]);
      expect(await store.get(done)).toBeUndefined();
      expect(records.rows.has(done)).toBe(false);
      expect((await store.get(running))?.status).toBe('PENDING');
    });

    it('restore: the unfinished task of a gone process ends FAILED with what was really recorded', async () => {
      const t = id();
      const gone = `${hostname()}:${process.pid}:deadbeef`;
      let orphan = {
        ...task(t, { total: 3 }),
        owner: gone,
        status: 'PROCESSING' as const,
        version: 7,
      };
      orphan = {
        ...orphan,
        current: 1,
        completed: [completed('s1').completed],
        recording: [completed('s2').completed, completed('s3').completed],
      };
      records.rows.set(t, orphan);
      expect(await store.restore(async (ids) => new Set(ids.filter((s) => s === 's2')))).toBe(1);
      const restored = (await store.get(t))!;
      expect(restored.status).toBe('FAILED');
      expect(restored.version).toBeGreaterThan(7);
      expect(restored.current).toBe(2);
      expect(restored.completed.map((c) => c.segment_id)).toEqual(['s1', 's2']);
      expect(restored.errors).toEqual([
        { segment_id: null, error: 'Interrupted by server restart' },
      ]);
      expect(records.rows.get(t)?.status).toBe('FAILED');
    });
  });
}
