import { firstValueFrom, toArray } from 'rxjs';
import { TaskManagerService } from './task-manager.service';
import { TooManyActiveTasksError } from './task.errors';
import { hostname } from 'node:os';
import { InProcessTaskEventBus } from './events/in-process-task-event.bus';
import { MemoryTaskStateStore } from './state/memory-task-state.store';
import { PROCESS_OWNER } from './state/process-owner';
import { NullTaskRecordRepository, TaskRecordRepository } from './state/task-record.repository';
import { TaskNotFoundError } from './task-not-found.error';
import { snapshotOf } from './task-transitions';
import type { TaskRecord } from './task.types';
import { TaskViewCache } from './task-view.cache';

describe('TaskManagerService', () => {
  let tasks: TaskManagerService;
  beforeEach(() => (tasks = TaskManagerService.inMemory()));

  const snap = (id = 't') => tasks.getSnapshot(id);

  describe('transitions', () => {
    it('starts PENDING with zero progress over the announced total', async () => {
      await tasks.create('t', { total: 5 });
      expect(await snap()).toMatchObject({
        status: 'PENDING',
        progress: { current: 0, total: 5, percentage: 0 },
        completed_segments: [],
        errors: [],
        started_at: null,
        finished_at: null,
      });
    });

    it('refuses a second task with the same id', async () => {
      await tasks.create('t', { total: 1 });
      await expect(tasks.create('t', { total: 1 })).rejects.toThrow(/already exists/);
    });

    it('PENDING → PROCESSING → COMPLETED sets the timestamps in order', async () => {
      await tasks.create('t', { total: 2 });
      expect(await tasks.start('t')).toBe(true);
      expect((await snap()).status).toBe('PROCESSING');
      expect((await snap()).started_at).not.toBeNull();
      expect(await tasks.complete('t')).toBe(true);
      const done = await snap();
      expect(done.status).toBe('COMPLETED');
      expect(done.progress).toEqual({ current: 2, total: 2, percentage: 100 });
      expect(Date.parse(done.finished_at!)).toBeGreaterThanOrEqual(Date.parse(done.started_at!));
    });

    it('PROCESSING → FAILED with a task-level error', async () => {
      await tasks.create('t', { total: 2 });
      await tasks.start('t');
      expect(await tasks.fail('t', 'Cancelled')).toBe(true);
      expect(await snap()).toMatchObject({
        status: 'FAILED',
        errors: [{ segment_id: null, error: 'Cancelled' }],
      });
    });

    it('PENDING can fail or complete directly (cancelled before start, nothing to do)', async () => {
      await tasks.create('a', { total: 1 });
      await tasks.create('b', { total: 0 });
      expect(await tasks.fail('a')).toBe(true);
      expect(await tasks.complete('b')).toBe(true);
      expect((await snap('a')).started_at).toEqual((await snap('a')).finished_at);
      expect((await snap('b')).progress).toEqual({ current: 0, total: 0, percentage: 100 });
    });

    it('never goes backwards', async () => {
      await tasks.create('t', { total: 1 });
      await tasks.start('t');
      expect(await tasks.start('t')).toBe(false);
      expect((await snap()).status).toBe('PROCESSING');
    });

    it.each([
      ['COMPLETED', (m: TaskManagerService) => m.complete('t')],
      ['FAILED', (m: TaskManagerService) => m.fail('t', 'x')],
    ])('a %s task never changes again', async (status, end) => {
      await tasks.create('t', { total: 3 });
      await tasks.start('t');
      await end(tasks);
      const before = await snap();
      const view = await tasks.getView('t');
      expect(await tasks.start('t')).toBe(false);
      expect(await tasks.complete('t')).toBe(false);
      expect(await tasks.fail('t', 'again')).toBe(false);
      expect(await tasks.setProgress('t', { current: 1 })).toBe(false);
      expect(
        await tasks.addCompletedSegment('t', { segment_id: 's', audio_url: 'u', duration: 1 }),
      ).toBe(false);
      expect(await tasks.addError('t', 's', 'e')).toBe(false);
      expect(await tasks.getView('t')).toBe(view);
      expect(await snap()).toEqual(before);
      expect((await snap()).status).toBe(status);
    });

    it('finish(): COMPLETED when one segment succeeded despite errors', async () => {
      await tasks.create('t', { total: 2 });
      await tasks.start('t');
      await tasks.addError('t', 's1', 'bad');
      await tasks.addCompletedSegment('t', { segment_id: 's2', audio_url: 'u', duration: 1 });
      await tasks.finish('t');
      expect((await snap()).status).toBe('COMPLETED');
    });

    it('finish(): FAILED when every attempted segment failed', async () => {
      await tasks.create('t', { total: 2 });
      await tasks.start('t');
      await tasks.addError('t', 's1', 'bad');
      await tasks.addError('t', 's2', 'bad');
      await tasks.finish('t');
      expect((await snap()).status).toBe('FAILED');
      expect((await snap()).progress.percentage).toBe(0);
    });

    it('finish(): COMPLETED when there was nothing to do', async () => {
      await tasks.create('t', { total: 0 });
      await tasks.finish('t');
      expect((await snap()).status).toBe('COMPLETED');
    });
  });

  describe('progress', () => {
    it.each([
      [0, 3, 0],
      [1, 3, 33],
      [2, 3, 66],
      [3, 3, 100],
      [1, 7, 14],
      [999, 1000, 99],
      [0, 0, 0],
    ])('%i of %i is %i %%', async (current, total, percentage) => {
      await tasks.create('t', { total });
      await tasks.start('t');
      await tasks.setProgress('t', { current });
      expect((await snap()).progress.percentage).toBe(percentage);
    });

    it('current never goes back and never passes total', async () => {
      await tasks.create('t', { total: 3 });
      await tasks.start('t');
      await tasks.setProgress('t', { current: 2 });
      await tasks.setProgress('t', { current: 1 });
      expect((await snap()).progress.current).toBe(2);
      await tasks.setProgress('t', { current: 9 });
      expect((await snap()).progress.current).toBe(3);
    });

    it('names the current segment while processing, and drops it at the end', async () => {
      await tasks.create('t', { total: 1 });
      await tasks.start('t');
      await tasks.setProgress('t', { currentSegmentId: 'seg-1' });
      expect((await snap()).progress.current_segment_id).toBe('seg-1');
      await tasks.complete('t');
      expect((await snap()).progress).not.toHaveProperty('current_segment_id');
    });
  });

  describe('snapshots', () => {
    it('a snapshot taken earlier does not change when the task changes', async () => {
      await tasks.create('t', { total: 2 });
      await tasks.start('t');
      await tasks.addCompletedSegment('t', { segment_id: 's1', audio_url: 'u1', duration: 1 });
      const before = await snap();
      const beforeJson = JSON.stringify(before);
      await tasks.addCompletedSegment('t', { segment_id: 's2', audio_url: 'u2', duration: 2 });
      await tasks.addError('t', 's3', 'x');
      await tasks.setProgress('t', { current: 2 });
      expect(JSON.stringify(before)).toBe(beforeJson);
      expect((await snap()).completed_segments).toHaveLength(2);
    });

    it('snapshots are frozen: a reader cannot change the task', async () => {
      await tasks.create('t', { total: 1 });
      const s = await snap();
      expect(() => (s.completed_segments as unknown[]).push({})).toThrow();
      expect(() => ((s.progress as { current: number }).current = 5)).toThrow();
      expect((await snap()).progress.current).toBe(0);
    });

    it('a segment passed in and mutated afterwards does not leak into the task', async () => {
      await tasks.create('t', { total: 1 });
      const seg = { segment_id: 's', audio_url: 'u', duration: 1 };
      await tasks.addCompletedSegment('t', seg);
      seg.duration = 99;
      expect((await snap()).completed_segments[0].duration).toBe(1);
    });

    it('is computed once per version: the same object until the next change', async () => {
      await tasks.create('t', { total: 1 });
      const a = await tasks.getView('t');
      expect(await tasks.getView('t')).toBe(a);
      await tasks.start('t');
      const b = await tasks.getView('t');
      expect(b).not.toBe(a);
      expect(b.etag).not.toBe(a.etag);
      expect(JSON.parse(b.json)).toEqual(b.snapshot);
    });

    it('a finished task keeps only its serialized snapshot; reads still give the same frozen data', async () => {
      await tasks.create('t', { total: 2 });
      await tasks.start('t');
      await tasks.addCompletedSegment('t', { segment_id: 's1', audio_url: 'u1', duration: 1 });
      await tasks.addError('t', 's2', 'bad');
      const running = await snap();
      await tasks.finish('t');
      const done = await snap();
      expect(done.completed_segments).toEqual(running.completed_segments);
      expect(done.errors).toEqual(running.errors);
      expect(JSON.parse((await tasks.getView('t')).json)).toEqual(done);
      expect(Object.isFrozen(done.completed_segments[0])).toBe(true);
    });

    it('viewNow: the same view without a promise on the in-memory store, unfinished or finished', async () => {
      await tasks.create('t', { total: 1 });
      expect(tasks.viewNow('t')).toBe(await tasks.getView('t'));
      await tasks.finish('t');
      const done = await tasks.getView('t');
      expect(tasks.viewNow('t')).toBe(done);
      expect(done.status).toBe('COMPLETED');
    });

    it('viewNow: undefined when the store can only answer asynchronously (a shared store)', async () => {
      // The in-memory store read as a shared store reads: only through get().
      class AsyncOnlyStore extends MemoryTaskStateStore {
        override peek(): undefined {
          return undefined;
        }
      }
      const views = new TaskViewCache();
      const shared = new AsyncOnlyStore(
        { maxActive: 10, retentionSeconds: 60, maxRetained: 10 },
        new NullTaskRecordRepository(),
        views,
      );
      const manager = new TaskManagerService(shared, new InProcessTaskEventBus(), views);
      await manager.create('t', { total: 1 });
      expect(manager.viewNow('t')).toBeUndefined();
      expect(manager.viewNow('missing')).toBeUndefined();
      expect((await manager.getView('t')).status).toBe('PENDING');
    });

    it('ETags are never shared across tasks', async () => {
      await tasks.create('a', { total: 1 });
      await tasks.create('b', { total: 1 });
      expect((await tasks.getView('a')).etag).not.toBe((await tasks.getView('b')).etag);
    });
  });

  describe('unknown ids', () => {
    it('reading throws TaskNotFoundError', async () => {
      await expect(snap('missing')).rejects.toThrow(TaskNotFoundError);
      expect(() => tasks.viewNow('missing')).toThrow(TaskNotFoundError);
    });

    it('updates are ignored without throwing', async () => {
      expect(await tasks.start('missing')).toBe(false);
      expect(await tasks.setProgress('missing', { current: 1 })).toBe(false);
      expect(
        await tasks.addCompletedSegment('missing', {
          segment_id: 's',
          audio_url: 'u',
          duration: 1,
        }),
      ).toBe(false);
      expect(await tasks.addError('missing', null, 'x')).toBe(false);
      expect(await tasks.complete('missing')).toBe(false);
      expect(await tasks.fail('missing', 'x')).toBe(false);
      expect(await tasks.finish('missing')).toBe(false);
    });
  });

  describe('watch', () => {
    it('emits the current snapshot, each change, and completes after the terminal one', async () => {
      await tasks.create('t', { total: 1 });
      const all = firstValueFrom((await tasks.watch('t')).pipe(toArray()));
      await tasks.start('t');
      await tasks.addCompletedSegment('t', { segment_id: 's', audio_url: 'u', duration: 1 });
      await tasks.finish('t');
      await tasks.addError('t', 's', 'late');
      expect((await all).map((s) => s.status)).toEqual([
        'PENDING',
        'PROCESSING',
        'PROCESSING',
        'COMPLETED',
      ]);
    });

    it('leaves nothing behind when a subscriber leaves', async () => {
      const events = new InProcessTaskEventBus();
      const views = new TaskViewCache();
      const state = new MemoryTaskStateStore(
        { maxActive: 10, retentionSeconds: 60, maxRetained: 10 },
        new NullTaskRecordRepository(),
        views,
      );
      tasks = new TaskManagerService(state, events, views);
      await tasks.create('t', { total: 1 });
      const sub = (await tasks.watch('t')).subscribe();
      expect(events.listenerCount('t')).toBe(1);
      sub.unsubscribe();
      await tasks.start('t');
      expect(events.listenerCount('t')).toBe(0);
    });

    it('rejects with TaskNotFoundError at once for an unknown id', async () => {
      await expect(tasks.watch('missing')).rejects.toThrow(TaskNotFoundError);
    });
  });

  describe('cancel', () => {
    it('fails the task with a Cancelled entry and fires its signal', async () => {
      await tasks.create('t', { total: 2 });
      const { signal } = await tasks.cancelSignal('t');
      await tasks.cancel('t');
      expect(signal.aborted).toBe(true);
      expect(await snap()).toMatchObject({
        status: 'FAILED',
        errors: [{ segment_id: null, error: 'Cancelled' }],
      });
      await expect(tasks.cancel('t')).rejects.toThrow(/already FAILED/);
    });
  });

  describe('backpressure', () => {
    it('refuses new tasks beyond maxActive unfinished ones, and accepts again once one ends', async () => {
      tasks = TaskManagerService.inMemory({ maxActive: 2 });
      await tasks.create('a', { total: 1 });
      await tasks.create('b', { total: 1 });
      await expect(tasks.create('c', { total: 1 })).rejects.toThrow(TooManyActiveTasksError);
      await tasks.finish('a');
      await expect(tasks.create('c', { total: 1 })).resolves.toBeDefined();
    });
  });

  describe('retention', () => {
    it('forgets finished tasks past the retention time, never unfinished ones', async () => {
      tasks = TaskManagerService.inMemory({ retentionSeconds: 60 });
      await tasks.create('old', { total: 0 });
      await tasks.finish('old');
      await tasks.create('running', { total: 1 });
      await tasks.start('running');
      expect(await tasks.sweep(Date.now() + 30_000)).toBe(0);
      expect(await tasks.sweep(Date.now() + 61_000)).toBe(1);
      await expect(snap('old')).rejects.toThrow(TaskNotFoundError);
      expect((await snap('running')).status).toBe('PROCESSING');
    });

    it('keeps at most maxRetained finished tasks, evicting the oldest first', async () => {
      tasks = TaskManagerService.inMemory({ maxRetained: 3 });
      for (let i = 0; i < 10; i++) {
        await tasks.create(`t${i}`, { total: 0 });
        await tasks.finish(`t${i}`);
      }
      await Promise.resolve();
      expect((await tasks.list()).map((s) => s.task_id)).toEqual(['t9', 't8', 't7']);
    });

    it('memory stays bounded under a stream of tasks', async () => {
      tasks = TaskManagerService.inMemory({ maxRetained: 100 });
      for (let i = 0; i < 5_000; i++) {
        await tasks.create(`t${i}`, { total: 1 });
        await tasks.start(`t${i}`);
        await tasks.finish(`t${i}`);
        if (i % 500 === 0) await Promise.resolve();
      }
      await Promise.resolve();
      expect((await tasks.list()).length).toBeLessThanOrEqual(100);
    });
  });

  describe('list', () => {
    it('filters by status and labels, newest first', async () => {
      await tasks.create('a', { total: 1, labels: { project_id: 'p1' } });
      await tasks.create('b', { total: 1, labels: { project_id: 'p2' } });
      await tasks.create('c', { total: 1, labels: { project_id: 'p1' } });
      await tasks.start('c');
      expect((await tasks.list()).map((s) => s.task_id)).toEqual(['c', 'b', 'a']);
      expect((await tasks.list({ labels: { project_id: 'p1' } })).map((s) => s.task_id)).toEqual([
        'c',
        'a',
      ]);
      expect((await tasks.list({ status: 'PENDING' })).map((s) => s.task_id)).toEqual(['b', 'a']);
    });
  });

  describe('persistence', () => {
    class MemoryRecords extends TaskRecordRepository {
      rows = new Map<string, { task: TaskRecord }>();
      async loadAll() {
        return [...this.rows.values()].map(({ task }) => task);
      }
      async save(task: TaskRecord) {
        const row = this.rows.get(task.id);
        if (!row || row.task.version < task.version) this.rows.set(task.id, { task });
      }
      async removeMany(ids: readonly string[]) {
        for (const id of ids) this.rows.delete(id);
      }
    }
    const policy = { maxActive: 10, retentionSeconds: 3600, maxRetained: 100 };
    const managerOn = (records: TaskRecordRepository, owner: string) => {
      const views = new TaskViewCache();
      const state = new MemoryTaskStateStore(policy, records, views, owner);
      return new TaskManagerService(state, new InProcessTaskEventBus(), views);
    };
    /** A process of this host that no longer runs. */
    const goneOwner = `${hostname()}:${process.pid}:00000000`;

    it('every version shown is stored first; a restart reports unfinished tasks as interrupted', async () => {
      const records = new MemoryRecords();
      const before = managerOn(records, goneOwner);
      await before.create('done', { total: 1, labels: { project_id: 'p' } });
      await before.start('done');
      await before.settleSegment('done', {
        segmentId: 's',
        completed: { segment_id: 's', audio_url: 'u', duration: 1 },
      });
      await before.finish('done');
      await before.create('running', { total: 3 });
      await before.beginSegment('running', 's1');
      await before.settleSegment('running', {
        segmentId: 's1',
        completed: { segment_id: 's1', audio_url: 'u1', duration: 1 },
      });
      // Crash while s2's audio is written (recorded) and s3's is not (never written).
      await before.recordingSegment('running', { segment_id: 's2', audio_url: 'u2', duration: 2 });
      await before.recordingSegment('running', { segment_id: 's3', audio_url: 'u3', duration: 3 });
      const shown = await before.getView('running');
      // The version shown is the one stored.
      expect(JSON.stringify(snapshotOf(records.rows.get('running')!.task))).toBe(shown.json);

      const after = managerOn(records, PROCESS_OWNER);
      expect(await after.restore(async () => new Set(['s2']))).toBe(2);
      expect(await after.getSnapshot('done')).toEqual(await before.getSnapshot('done'));
      expect((await after.list())[1]).toMatchObject({
        task_id: 'done',
        labels: { project_id: 'p' },
      });
      const restored = await after.getView('running');
      expect(JSON.parse(restored.json)).toMatchObject({
        status: 'FAILED',
        progress: { current: 2, total: 3 },
        completed_segments: [{ segment_id: 's1' }, { segment_id: 's2', duration: 2 }],
        errors: [{ segment_id: null, error: 'Interrupted by server restart' }],
      });
      expect(restored.etag).not.toBe(shown.etag);
      expect(records.rows.get('running')?.task.status).toBe('FAILED');
    });

    it('restore leaves alone the unfinished tasks of a live process', async () => {
      const records = new MemoryRecords();
      // The parent process (jest's) runs, so a task it owns is not ours to fail.
      const live = managerOn(records, `${hostname()}:${process.ppid}:11111111`);
      await live.create('theirs', { total: 2 });
      await live.start('theirs');
      const other = managerOn(records, PROCESS_OWNER);
      expect(await other.restore()).toBe(0);
      expect(records.rows.get('theirs')?.task.status).toBe('PROCESSING');
    });
  });
});
