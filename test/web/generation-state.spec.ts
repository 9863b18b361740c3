import type { TaskSnapshot } from '../../web/api';
import {
  GenerationState,
  initialGenerationState,
  reduceGeneration,
  segmentOf,
} from '../../web/generation-state';

const ORIGIN = 'http://127.0.0.1:8000';

function snapshot(patch: Partial<TaskSnapshot> & { current?: number; currentSegment?: string }) {
  const { current = 0, currentSegment, ...rest } = patch;
  return {
    task_id: 't1',
    status: 'PROCESSING',
    progress: {
      current,
      total: 3,
      percentage: Math.round((current / 3) * 100),
      current_segment_id: currentSegment,
    },
    completed_segments: [],
    errors: [],
    ...rest,
  } as TaskSnapshot;
}

const done = (id: string, duration = 1.25) => ({
  segment_id: id,
  audio_url: `/media/projects/p/audio/${id}.wav`,
  duration,
});

function run(events: Parameters<typeof reduceGeneration>[1][]): GenerationState {
  return events.reduce(reduceGeneration, initialGenerationState());
}

describe('generation state (the web page reducer)', () => {
  it('follows a batch: the panel shows it, the project has an active batch', () => {
    const state = run([{ type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 }]);
    expect(state.progress.get('p')).toMatchObject({ taskId: 't1', status: 'PENDING', total: 3 });
    expect(state.activeBatch.get('p')).toBe('t1');
    expect(state.followed.has('t1')).toBe(true);
  });

  it('a snapshot marks the current segment busy, and finished ones ready with a cache-busted player', () => {
    const state = run([
      { type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 },
      {
        type: 'snapshot',
        taskId: 't1',
        origin: ORIGIN,
        snapshot: snapshot({ current: 0, currentSegment: 's1' }),
      },
      {
        type: 'snapshot',
        taskId: 't1',
        origin: ORIGIN,
        snapshot: snapshot({ current: 1, currentSegment: 's2', completed_segments: [done('s1')] }),
      },
    ]);
    expect(segmentOf(state, 's1')).toEqual({
      busy: false,
      error: '',
      status: 'Audio ready (1.3 s).',
      audioSrc: `${ORIGIN}/media/projects/p/audio/s1.wav?v=t1`,
    });
    expect(segmentOf(state, 's2')).toMatchObject({ busy: true, status: 'Generating…' });
    expect(state.progress.get('p')).toMatchObject({
      current: 1,
      percentage: 33,
      completed: 1,
      failed: 0,
    });
  });

  it('errors: a segment failure on its segment, a task-level one on the panel', () => {
    const state = run([
      { type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 },
      {
        type: 'snapshot',
        taskId: 't1',
        origin: ORIGIN,
        snapshot: snapshot({
          status: 'FAILED',
          current: 2,
          errors: [
            { segment_id: 's1', error: 'Speech synthesis failed' },
            { segment_id: null, error: 'Cancelled' },
          ],
        }),
      },
    ]);
    expect(segmentOf(state, 's1')).toMatchObject({
      busy: false,
      error: 'Audio failed: Speech synthesis failed',
    });
    expect(state.progress.get('p')).toMatchObject({
      status: 'FAILED',
      failed: 1,
      taskErrors: ['Cancelled'],
    });
  });

  it('finishing releases the segments it marked busy and never reported, and ends the batch', () => {
    const last = snapshot({
      status: 'FAILED',
      current: 1,
      completed_segments: [done('s1')],
      errors: [{ segment_id: null, error: 'Cancelled' }],
    });
    const state = run([
      { type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 },
      {
        type: 'snapshot',
        taskId: 't1',
        origin: ORIGIN,
        snapshot: snapshot({ currentSegment: 's2' }),
      },
      { type: 'snapshot', taskId: 't1', origin: ORIGIN, snapshot: last },
      { type: 'finished', taskId: 't1', snapshot: last },
    ]);
    expect(segmentOf(state, 's2')).toMatchObject({ busy: false, status: '' });
    expect(segmentOf(state, 's1').audioSrc).toContain('s1.wav');
    expect(state.activeBatch.has('p')).toBe(false);
    expect(state.followed.has('t1')).toBe(false);
    // The panel keeps the last state of the task.
    expect(state.progress.get('p')?.status).toBe('FAILED');
  });

  it('a single segment that fails as a whole shows the task error on the segment', () => {
    const failed = snapshot({
      status: 'FAILED',
      errors: [{ segment_id: null, error: 'Interrupted by server restart' }],
    });
    const state = run([
      { type: 'follow', taskId: 't2', projectId: 'p', kind: 'segment', total: 1, segmentId: 's3' },
      { type: 'finished', taskId: 't2', snapshot: failed },
    ]);
    expect(segmentOf(state, 's3')).toMatchObject({
      busy: false,
      error: 'Interrupted by server restart',
    });
  });

  it('a single segment does not take the panel from a running batch', () => {
    const state = run([
      { type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 },
      { type: 'follow', taskId: 't2', projectId: 'p', kind: 'segment', total: 1, segmentId: 's3' },
    ]);
    expect(state.progress.get('p')?.taskId).toBe('t1');
    expect(segmentOf(state, 's3').busy).toBe(true);
  });

  it('a lost connection marks the panel LOST and frees the busy segments', () => {
    const state = run([
      { type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 },
      {
        type: 'snapshot',
        taskId: 't1',
        origin: ORIGIN,
        snapshot: snapshot({ currentSegment: 's1' }),
      },
      { type: 'lost', taskId: 't1', reason: 'network error' },
    ]);
    expect(state.progress.get('p')).toMatchObject({ status: 'LOST' });
    expect(state.progress.get('p')?.taskErrors[0]).toMatch(
      /Lost connection to the server \(network error\)/,
    );
    expect(segmentOf(state, 's1').busy).toBe(false);
    expect(state.activeBatch.has('p')).toBe(false);
  });

  it('a resumed task starts from where the server says it is; a task is never followed twice', () => {
    const resumedAt = { status: 'PROCESSING' as const, current: 2, total: 3, percentage: 67 };
    const once = run([
      { type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3, resumedAt },
    ]);
    expect(once.progress.get('p')).toMatchObject(resumedAt);
    expect(
      reduceGeneration(once, {
        type: 'follow',
        taskId: 't1',
        projectId: 'p',
        kind: 'batch',
        total: 3,
      }),
    ).toBe(once);
  });

  it('never changes the state it is given, and ignores events of tasks it does not follow', () => {
    const before = run([{ type: 'follow', taskId: 't1', projectId: 'p', kind: 'batch', total: 3 }]);
    const copy = JSON.stringify([...before.progress], null, 0);
    reduceGeneration(before, {
      type: 'snapshot',
      taskId: 't1',
      origin: ORIGIN,
      snapshot: snapshot({ current: 3, completed_segments: [done('s1')] }),
    });
    expect(JSON.stringify([...before.progress], null, 0)).toBe(copy);
    expect(before.segments.size).toBe(0);
    const other = {
      type: 'snapshot',
      taskId: 'nope',
      origin: ORIGIN,
      snapshot: snapshot({}),
    } as const;
    expect(reduceGeneration(before, other)).toBe(before);
  });
});
