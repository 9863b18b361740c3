import { firstValueFrom, toArray } from 'rxjs';
import { TaskManagerService } from './task-manager.service';
import { StoredTask, TaskStore, TaskToSave } from './task-store.port';
import { TooManyActiveTasksError } from './task.errors';
import { TaskNotFoundError } from './task-not-found.error';

describe('TaskManagerService', () => {
  let tasks: TaskManagerService;
  beforeEach(() => (tasks = new TaskManagerService()));

  const snap = (id = 't') => tasks.getSnapshot(id);

  describe('transitions', () => {
    it('starts PENDING with zero progress over the announced total', () => {
      tasks.create('t', { total: 5 });
      expect(snap()).toMatchObject({
        status: 'PENDING',
        progress: { current: 0, total: 5, percentage: 0 },
        completed_segments: [],
        errors: [],
        started_at: null,
        finished_at: null,
      });
    });

    it('refuses a second task with the same id', () => {
      tasks.create('t', { total: 1 });
      expect(() => tasks.create('t', { total: 1 })).toThrow(/already exists/);
    });

    it('PENDING → PROCESSING → COMPLETED sets the timestamps in order', () => {
      tasks.create('t', { total: 2 });
      expect(tasks.start('t')).toBe(true);
      expect(snap().status).toBe('PROCESSING');
      expect(snap().started_at).not.toBeNull();
      expect(tasks.complete('t')).toBe(true);
      const done = snap();
      expect(done.status).toBe('COMPLETED');
      expect(done.progress).toEqual({ current: 2, total: 2, percentage: 100 });
      expect(Date.parse(done.finished_at!)).toBeGreaterThanOrEqual(Date.parse(done.started_at!));
    });

    it('PROCESSING → FAILED with a task-level error', () => {
      tasks.create('t', { total: 2 });
      tasks.start('t');
      expect(tasks.fail('t', 'Cancelled')).toBe(true);
      expect(snap()).toMatchObject({
        status: 'FAILED',
        errors: [{ segment_id: null, error: 'Cancelled' }],
      });
    });

    it('PENDING can fail or complete directly (cancelled before start, nothing to do)', () => {
      tasks.create('a', { total: 1 });
      tasks.create('b', { total: 0 });
      expect(tasks.fail('a')).toBe(true);
      expect(tasks.complete('b')).toBe(true);
      expect(snap('a').started_at).toEqual(snap('a').finished_at);
      expect(snap('b').progress).toEqual({ current: 0, total: 0, percentage: 100 });
    });

    it('never goes backwards', () => {
      tasks.create('t', { total: 1 });
      tasks.start('t');
      expect(tasks.start('t')).toBe(false);
      expect(snap().status).toBe('PROCESSING');
    });

    it.each([
      ['COMPLETED', (m: TaskManagerService) => m.complete('t')],
      ['FAILED', (m: TaskManagerService) => m.fail('t', 'x')],
    ])('a %s task never changes again', (status, end) => {
      tasks.create('t', { total: 3 });
      tasks.start('t');
      end(tasks);
      const before = snap();
      const view = tasks.getView('t');
      expect(tasks.start('t')).toBe(false);
      expect(tasks.complete('t')).toBe(false);
      expect(tasks.fail('t', 'again')).toBe(false);
      expect(tasks.setProgress('t', { current: 1 })).toBe(false);
      expect(tasks.addCompletedSegment('t', { segment_id: 's', audio_url: 'u', duration: 1 })).toBe(
        false,
      );
      expect(tasks.addError('t', 's', 'e')).toBe(false);
      expect(tasks.getView('t')).toBe(view);
      expect(snap()).toEqual(before);
      expect(snap().status).toBe(status);
    });

    it('finish(): COMPLETED when one segment succeeded despite errors', () => {
      tasks.create('t', { total: 2 });
      tasks.start('t');
      tasks.addError('t', 's1', 'bad');
      tasks.addCompletedSegment('t', { segment_id: 's2', audio_url: 'u', duration: 1 });
      tasks.finish('t');
      expect(snap().status).toBe('COMPLETED');
    });

    it('finish(): FAILED when every attempted segment failed', () => {
      tasks.create('t', { total: 2 });
      tasks.start('t');
      tasks.addError('t', 's1', 'bad');
      tasks.addError('t', 's2', 'bad');
      tasks.finish('t');
      expect(snap().status).toBe('FAILED');
      expect(snap().progress.percentage).toBe(0);
    });

    it('finish(): COMPLETED when there was nothing to do', () => {
      tasks.create('t', { total: 0 });
      tasks.finish('t');
      expect(snap().status).toBe('COMPLETED');
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
    ])('%i of %i is %i %%', (current, total, percentage) => {
      tasks.create('t', { total });
      tasks.start('t');
      tasks.setProgress('t', { current });
      expect(snap().progress.percentage).toBe(percentage);
    });

    it('current never goes back and never passes total', () => {
      tasks.create('t', { total: 3 });
      tasks.start('t');
      tasks.setProgress('t', { current: 2 });
      tasks.setProgress('t', { current: 1 });
      expect(snap().progress.current).toBe(2);
      tasks.setProgress('t', { current: 9 });
      expect(snap().progress.current).toBe(3);
    });

    it('names the current segment while processing, and drops it at the end', () => {
      tasks.create('t', { total: 1 });
      tasks.start('t');
      tasks.setProgress('t', { currentSegmentId: 'seg-1' });
      expect(snap().progress.current_segment_id).toBe('seg-1');
      tasks.complete('t');
      expect(snap().progress).not.toHaveProperty('current_segment_id');
    });
  });

  describe('snapshots', () => {
    it('a snapshot taken earlier does not change when the task changes', () => {
      tasks.create('t', { total: 2 });
      tasks.start('t');
      tasks.addCompletedSegment('t', { segment_id: 's1', audio_url: 'u1', duration: 1 });
      const before = snap();
      const beforeJson = JSON.stringify(before);
      tasks.addCompletedSegment('t', { segment_id: 's2', audio_url: 'u2', duration: 2 });
      tasks.addError('t', 's3', 'x');
      tasks.setProgress('t', { current: 2 });
      expect(JSON.stringify(before)).toBe(beforeJson);
      expect(snap().completed_segments).toHaveLength(2);
    });

    it('snapshots are frozen: a reader cannot change the task', () => {
      tasks.create('t', { total: 1 });
      const s = snap();
      expect(() => (s.completed_segments as unknown[]).push({})).toThrow();
      expect(() => ((s.progress as { current: number }).current = 5)).toThrow();
      expect(snap().progress.current).toBe(0);
    });

    it('a segment passed in and mutated afterwards does not leak into the task', () => {
      tasks.create('t', { total: 1 });
      const seg = { segment_id: 's', audio_url: 'u', duration: 1 };
      tasks.addCompletedSegment('t', seg);
      seg.duration = 99;
      expect(snap().completed_segments[0].duration).toBe(1);
    });

    it('is computed once per version: the same object until the next change', () => {
      tasks.create('t', { total: 1 });
      const a = tasks.getView('t');
      expect(tasks.getView('t')).toBe(a);
      tasks.start('t');
      const b = tasks.getView('t');
      expect(b).not.toBe(a);
      expect(b.version).toBeGreaterThan(a.version);
      expect(b.etag).not.toBe(a.etag);
      expect(JSON.parse(b.json)).toEqual(b.snapshot);
    });

    it('a finished task keeps only its serialized snapshot; reads still give the same frozen data', () => {
      tasks.create('t', { total: 2 });
      tasks.start('t');
      tasks.addCompletedSegment('t', { segment_id: 's1', audio_url: 'u1', duration: 1 });
      tasks.addError('t', 's2', 'bad');
      const running = snap();
      tasks.finish('t');
      const done = snap();
      expect(done.completed_segments).toEqual(running.completed_segments);
      expect(done.errors).toEqual(running.errors);
      expect(JSON.parse(tasks.getView('t').json)).toEqual(done);
      expect(Object.isFrozen(done.completed_segments[0])).toBe(true);
      const record = (
        tasks as unknown as { tasks: Map<string, { completed: unknown[] }> }
      ).tasks.get('t');
      expect(record?.completed).toEqual([]);
    });

    it('ETags are never shared across tasks', () => {
      tasks.create('a', { total: 1 });
      tasks.create('b', { total: 1 });
      expect(tasks.getView('a').etag).not.toBe(tasks.getView('b').etag);
    });
  });

  describe('unknown ids', () => {
    it('reading throws TaskNotFoundError', () => {
      expect(() => snap('missing')).toThrow(TaskNotFoundError);
    });

    it('updates are ignored without throwing', () => {
      expect(tasks.start('missing')).toBe(false);
      expect(tasks.setProgress('missing', { current: 1 })).toBe(false);
      expect(
        tasks.addCompletedSegment('missing', { segment_id: 's', audio_url: 'u', duration: 1 }),
      ).toBe(false);
      expect(tasks.addError('missing', null, 'x')).toBe(false);
      expect(tasks.complete('missing')).toBe(false);
      expect(tasks.fail('missing', 'x')).toBe(false);
      expect(tasks.finish('missing')).toBe(false);
    });
  });

  describe('watch', () => {
    it('emits the current snapshot, each change, and completes after the terminal one', async () => {
      tasks.create('t', { total: 1 });
      const all = firstValueFrom(tasks.watch('t').pipe(toArray()));
      tasks.start('t');
      tasks.addCompletedSegment('t', { segment_id: 's', audio_url: 'u', duration: 1 });
      tasks.finish('t');
      tasks.addError('t', 's', 'late');
      expect((await all).map((s) => s.status)).toEqual([
        'PENDING',
        'PROCESSING',
        'PROCESSING',
        'COMPLETED',
      ]);
    });

    it('leaves nothing behind when a subscriber leaves', () => {
      tasks.create('t', { total: 1 });
      const sub = tasks.watch('t').subscribe();
      sub.unsubscribe();
      tasks.start('t');
      const record = (
        tasks as unknown as { tasks: Map<string, { watchers?: Set<unknown> }> }
      ).tasks.get('t');
      expect(record?.watchers).toBeUndefined();
    });

    it('throws TaskNotFoundError at once for an unknown id', () => {
      expect(() => tasks.watch('missing')).toThrow(TaskNotFoundError);
    });
  });

  describe('cancel', () => {
    it('fails the task with a Cancelled entry and fires its signal', () => {
      tasks.create('t', { total: 2 });
      const signal = tasks.signalOf('t');
      tasks.cancel('t');
      expect(signal.aborted).toBe(true);
      expect(snap()).toMatchObject({
        status: 'FAILED',
        errors: [{ segment_id: null, error: 'Cancelled' }],
      });
      expect(() => tasks.cancel('t')).toThrow(/already FAILED/);
    });
  });

  describe('backpressure', () => {
    it('refuses new tasks beyond maxActive unfinished ones, and accepts again once one ends', () => {
      tasks = new TaskManagerService({ maxActive: 2 });
      tasks.create('a', { total: 1 });
      tasks.create('b', { total: 1 });
      expect(() => tasks.create('c', { total: 1 })).toThrow(TooManyActiveTasksError);
      tasks.finish('a');
      expect(() => tasks.create('c', { total: 1 })).not.toThrow();
    });
  });

  describe('retention', () => {
    it('forgets finished tasks past the retention time, never unfinished ones', () => {
      tasks = new TaskManagerService({ retentionSeconds: 60 });
      tasks.create('old', { total: 0 });
      tasks.finish('old');
      tasks.create('running', { total: 1 });
      tasks.start('running');
      expect(tasks.sweep(Date.now() + 30_000)).toBe(0);
      expect(tasks.sweep(Date.now() + 61_000)).toBe(1);
      expect(() => snap('old')).toThrow(TaskNotFoundError);
      expect(snap('running').status).toBe('PROCESSING');
    });

    it('keeps at most maxRetained finished tasks, evicting the oldest first', async () => {
      tasks = new TaskManagerService({ maxRetained: 3 });
      for (let i = 0; i < 10; i++) {
        tasks.create(`t${i}`, { total: 0 });
        tasks.finish(`t${i}`);
      }
      await Promise.resolve();
      expect(tasks.list().map((s) => s.task_id)).toEqual(['t9', 't8', 't7']);
    });

    it('memory stays bounded under a stream of tasks', async () => {
      tasks = new TaskManagerService({ maxRetained: 100 });
      for (let i = 0; i < 5_000; i++) {
        tasks.create(`t${i}`, { total: 1 });
        tasks.start(`t${i}`);
        tasks.finish(`t${i}`);
        if (i % 500 === 0) await Promise.resolve();
      }
      await Promise.resolve();
      expect(tasks.list().length).toBeLessThanOrEqual(100);
    });
  });

  describe('list', () => {
    it('filters by status and labels, newest first', () => {
      tasks.create('a', { total: 1, labels: { project_id: 'p1' } });
      tasks.create('b', { total: 1, labels: { project_id: 'p2' } });
      tasks.create('c', { total: 1, labels: { project_id: 'p1' } });
      tasks.start('c');
      expect(tasks.list().map((s) => s.task_id)).toEqual(['c', 'b', 'a']);
      expect(tasks.list({ labels: { project_id: 'p1' } }).map((s) => s.task_id)).toEqual([
        'c',
        'a',
      ]);
      expect(tasks.list({ status: 'PENDING' }).map((s) => s.task_id)).toEqual(['b', 'a']);
      expect(tasks.findActive({ project_id: 'p1' }).map((s) => s.task_id)).toEqual(['a', 'c']);
    });
  });

  describe('persistence', () => {
    class MemoryStore extends TaskStore {
      rows = new Map<string, StoredTask>();
      async loadAll() {
        return [...this.rows.values()];
      }
      async saveMany(tasks: TaskToSave[]) {
        for (const t of tasks) {
          this.rows.set(t.taskId, { snapshot: JSON.parse(t.snapshotJson), labels: t.labels });
        }
      }
      async removeMany(ids: string[]) {
        for (const id of ids) this.rows.delete(id);
      }
    }

    it('writes changes behind, and a restart reports unfinished tasks as interrupted', async () => {
      const store = new MemoryStore();
      const before = new TaskManagerService({}, store);
      await before.onModuleInit();
      before.create('done', { total: 1, labels: { project_id: 'p' } });
      before.start('done');
      before.addCompletedSegment('done', { segment_id: 's', audio_url: 'u', duration: 1 });
      before.finish('done');
      before.create('running', { total: 2 });
      before.start('running');
      before.addCompletedSegment('running', { segment_id: 's1', audio_url: 'u1', duration: 1 });
      await before.beforeApplicationShutdown();
      expect(store.rows.size).toBe(2);

      const after = new TaskManagerService({}, store);
      await after.onModuleInit();
      expect(after.getSnapshot('done')).toEqual(before.getSnapshot('done'));
      expect(after.labelsOf('done')).toEqual({ project_id: 'p' });
      expect(after.getSnapshot('running')).toMatchObject({
        status: 'FAILED',
        completed_segments: [{ segment_id: 's1' }],
        errors: [{ segment_id: null, error: 'Interrupted by server restart' }],
      });
      await after.beforeApplicationShutdown();
      expect(store.rows.get('running')?.snapshot.status).toBe('FAILED');
    });
  });
});
