import { SynthesisMetrics } from './synthesis.metrics';
import type { Segment } from '../projects/segments/segment.types';
import type { SegmentsService } from '../projects/segments/segments.service';
import type { SettingsService } from '../settings/settings.service';
import { TaskManagerService } from '../tasks/task-manager.service';
import type { TaskSnapshot } from '../tasks/task.types';
import type { AudioStorage } from './storage/audio.storage';
import { engineScheduler } from './fair-scheduler';
import { InProcessGenerationQueue } from './generation/in-process-generation.queue';
import { SegmentPipeline } from './generation/segment-pipeline';
import { SteppedEngine } from './generation/generation-queue.contract';
import { SpeechGenerationService } from './speech-generation.service';

const segment = (i: number, patch: Partial<Segment> = {}): Segment => ({
  id: `s${i}`,
  projectId: 'p',
  sequenceIndex: i,
  textContent: 'x'.repeat(i + 1),
  imagePrompt: '',
  audioFile: null,
  audioDuration: null,
  isLocked: false,
  imageFile: null,
  ...patch,
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SpeechGenerationService (fake engine)', () => {
  let engine: SteppedEngine;
  let tasks: TaskManagerService;
  let segments: Segment[];
  let recorded: Map<string, number>;
  let service: SpeechGenerationService;

  function build(workers = 1) {
    engine = new SteppedEngine(workers);
    tasks = TaskManagerService.inMemory();
    recorded = new Map();
    const segmentsService = {
      findOne: async (id: string) => segments.find((s) => s.id === id)!,
      findForGeneration: async () => segments,
      setAudio: async (id: string, duration: number) => void recorded.set(id, duration),
    } as unknown as SegmentsService;
    const settings = {
      get: async () => ({ defaultVoiceId: 'bm_george', ttsSpeed: 1.5 }),
    } as unknown as SettingsService;
    const storage = {
      write: async () => undefined,
      remove: async () => undefined,
      urlPath: (p: string, s: string) => `/media/${p}/${s}.wav`,
      removeTemporaryFiles: async () => 0,
    } as unknown as AudioStorage;
    const pipeline = new SegmentPipeline(
      engine,
      storage,
      segmentsService,
      tasks,
      new SynthesisMetrics(),
    );
    const queue = new InProcessGenerationQueue(engine, engineScheduler(engine), pipeline, tasks, {
      shutdownGraceSeconds: 10,
    });
    queue.onApplicationBootstrap();
    service = new SpeechGenerationService(tasks, segmentsService, settings, queue, storage);
    service.onApplicationBootstrap();
  }

  beforeEach(() => build());

  it('takes the segments in sequence order, with the voice and speed of the settings', async () => {
    segments = [segment(0), segment(1), segment(2)];
    await service.generateProject('p', { skipLocked: true, forceRegenerate: false });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      await tick();
      const running = engine.started[i];
      order.push(running.request.text);
      expect(running.request).toMatchObject({ voice: 'en+m3', speed: 1.5 });
      running.finish();
    }
    expect(order).toEqual(['x', 'xx', 'xxx']);
  });

  it.each([
    [
      { skipLocked: true, forceRegenerate: false },
      { segmentsToProcess: 1, skippedLocked: 1, skippedEmpty: 1, skippedExisting: 1 },
    ],
    [
      { skipLocked: false, forceRegenerate: true },
      { segmentsToProcess: 3, skippedLocked: 0, skippedEmpty: 1, skippedExisting: 0 },
    ],
  ])('applies the skip rules and counts each (%j)', async (options, counts) => {
    segments = [
      segment(0, { isLocked: true }),
      segment(1, { textContent: '  ' }),
      segment(2, { audioFile: 'a.wav' }),
      segment(3),
    ];
    const plan = await service.generateProject('p', options);
    expect(plan).toMatchObject({ totalSegments: 4, ...counts });
  });

  it('records a failing segment while the others complete; snapshots taken mid-run stay as they were', async () => {
    segments = [segment(0), segment(1), segment(2)];
    const { taskId } = await service.generateProject('p', {
      skipLocked: true,
      forceRegenerate: false,
    });
    await tick(); // the first segment goes to the engine
    const snapshots: TaskSnapshot[] = [await tasks.getSnapshot(taskId!)];
    engine.started[0].finish();
    await tick();
    snapshots.push(await tasks.getSnapshot(taskId!));
    engine.started[1].finish(true);
    await tick();
    snapshots.push(await tasks.getSnapshot(taskId!));
    engine.started[2].finish();
    await tick();
    const final = await tasks.getSnapshot(taskId!);

    expect(
      snapshots.map((s) => [
        s.status,
        s.progress.current,
        s.completed_segments.length,
        s.errors.length,
      ]),
    ).toEqual([
      ['PROCESSING', 0, 0, 0],
      ['PROCESSING', 1, 1, 0],
      ['PROCESSING', 2, 1, 1],
    ]);
    expect(final.status).toBe('COMPLETED');
    expect(final.progress).toEqual({ current: 3, total: 3, percentage: 100 });
    expect(final.errors).toEqual([{ segment_id: 's1', error: 'Speech synthesis failed' }]);
    expect(final.completed_segments.map((c) => c.segment_id)).toEqual(['s0', 's2']);
    expect([...recorded.keys()]).toEqual(['s0', 's2']);
  });

  it('a task whose every segment fails is FAILED', async () => {
    segments = [segment(0)];
    const { taskId } = await service.generateSegment('s0');
    await tick();
    engine.started[0].finish(true);
    await tick();
    expect((await tasks.getSnapshot(taskId)).status).toBe('FAILED');
  });

  it('cancel stops before the next segment and aborts the ones in progress', async () => {
    segments = [segment(0), segment(1), segment(2), segment(3)];
    const { taskId } = await service.generateProject('p', {
      skipLocked: true,
      forceRegenerate: false,
    });
    await tick();
    engine.started[0].finish();
    await tick();
    // One worker: one segment synthesizing, one waiting in the pool's line (workers + 1 slots).
    expect(engine.started).toHaveLength(3);
    await tasks.cancel(taskId!);
    await tick();
    expect(engine.started).toHaveLength(3);
    expect(service.stats()).toMatchObject({ running: 0, queued: 0, finishing: 0 });
    expect((await tasks.getSnapshot(taskId!)).errors).toEqual([
      { segment_id: null, error: 'Cancelled' },
    ]);
  });
});
