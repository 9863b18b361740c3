import type { SegmentsService } from '../../projects/segments/segments.service';
import type { TaskManagerService } from '../../tasks/task-manager.service';
import type { AudioStorage } from '../storage/audio.storage';
import { SynthesisMetrics } from '../synthesis.metrics';
import { SegmentPipeline } from './segment-pipeline';
import { SynthesisAbortedError, SynthesisFailedError } from '../engine/tts-engine.errors';
import {
  type SynthesisOptions,
  type SynthesisRequest,
  type SynthesisResult,
  TtsEngine,
} from '../engine/tts.engine';
import type { GenerationQueue, SegmentJob } from './generation.queue';

/**
 * An engine the test drives: each synthesis waits until the test finishes it (or fails it:
 * `finish(true)`); texts starting with `fail` fail at once. An abort rejects it. Also used by
 * the generation use-case spec.
 */
export class SteppedEngine extends TtsEngine {
  readonly started: {
    text: string;
    request: SynthesisRequest;
    finish: (fail?: boolean) => void;
  }[] = [];
  available = true;
  constructor(readonly workers = 1) {
    super();
  }
  async start() {}
  synthesize(request: SynthesisRequest, options: SynthesisOptions = {}): Promise<SynthesisResult> {
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener('abort', () => reject(new SynthesisAbortedError()));
      if (request.text.startsWith('fail')) return reject(new SynthesisFailedError('no'));
      this.started.push({
        text: request.text,
        request,
        finish: (fail) =>
          fail
            ? reject(new SynthesisFailedError('bad text'))
            : resolve({ samples: new Int16Array(2205), sampleRate: 22050 }),
      });
    });
  }
  isAvailable() {
    return this.available;
  }
  stats() {
    return { workers: this.workers, busy: 0, queued: 0 };
  }
  async close() {}
}

/**
 * The segment pipeline a queue under test runs: the real pipeline on the given engine and
 * tasks, with storage and the segment record stubbed (the queue contract is about order,
 * fairness and cancel; storage has its own contract).
 */
export function pipelineForQueueTests(
  engine: TtsEngine,
  tasks: TaskManagerService,
): { pipeline: SegmentPipeline; storage: AudioStorage } {
  const storage = {
    write: async () => undefined,
    remove: async () => undefined,
    urlPath: (p: string, s: string) => `/media/projects/${p}/audio/${s}.wav`,
    removeTemporaryFiles: async () => 0,
  } as unknown as AudioStorage;
  const segments = { setAudio: async () => undefined } as unknown as SegmentsService;
  const pipeline = new SegmentPipeline(engine, storage, segments, tasks, new SynthesisMetrics());
  return { pipeline, storage };
}

/** An adapter under test, wired to the given engine and a task manager. */
export interface GenerationQueueFixture {
  queue: GenerationQueue;
  tasks: TaskManagerService;
  dispose(): Promise<void>;
  /**
   * Lets queued work move. By default a few turns of the event loop; an adapter whose work
   * crosses a network (BullMQ) waits for its round trips instead.
   */
  settle?: () => Promise<void>;
}

const VOICE = { engineVoice: 'en-us', speed: 1 };
const jobs = (prefix: string, n: number): SegmentJob[] =>
  Array.from({ length: n }, (_, i) => ({
    segmentId: `${prefix}${i}`,
    projectId: 'p',
    text: `${prefix}${i}`,
  }));

/** Lets queued work move: a few turns of the event loop. */
async function turns(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
let settle = turns;

/** Finishes started syntheses one at a time until `done()` or nothing more starts. */
async function drive(engine: SteppedEngine, done: () => Promise<boolean>): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < 1000 && !(await done()); i++) {
    await settle();
    const next = engine.started.shift();
    if (!next) continue;
    order.push(next.text);
    next.finish();
  }
  return order;
}

/** The behaviour every GenerationQueue adapter must have (run from each adapter's spec). */
export function generationQueueContract(
  name: string,
  make: (engine: SteppedEngine) => Promise<GenerationQueueFixture>,
): void {
  describe(`GenerationQueue contract: ${name}`, () => {
    let engine: SteppedEngine;
    let f: GenerationQueueFixture;
    beforeEach(async () => {
      engine = new SteppedEngine(1);
      f = await make(engine);
      settle = f.settle ?? turns;
    });
    afterEach(() => f.dispose());

    async function start(taskId: string, segments: SegmentJob[]): Promise<void> {
      await f.tasks.create(taskId, { total: segments.length, labels: { kind: 'tts_batch' } });
      await f.queue.enqueue({ taskId, segments, voice: VOICE });
    }
    const status = async (taskId: string) => (await f.tasks.getSnapshot(taskId)).status;
    const finished = (taskId: string) => async () =>
      ['COMPLETED', 'FAILED'].includes(await status(taskId));

    it('accepts work while the engine is up, and refuses it when the engine is down', async () => {
      await expect(f.queue.ensureAccepting()).resolves.toBeUndefined();
      engine.available = false;
      await expect(f.queue.ensureAccepting()).rejects.toThrow(/not available/);
    });

    it('runs every segment of a run in order, then finishes the task COMPLETED', async () => {
      await start('t1', jobs('a', 3));
      expect(await drive(engine, finished('t1'))).toEqual(['a0', 'a1', 'a2']);
      const snapshot = await f.tasks.getSnapshot('t1');
      expect(snapshot.status).toBe('COMPLETED');
      expect(snapshot.completed_segments.map((c) => c.segment_id)).toEqual(['a0', 'a1', 'a2']);
    });

    it('a failing segment is settled with its error and the others still run', async () => {
      await start('t1', [...jobs('a', 1), ...jobs('fail', 1), ...jobs('b', 1)]);
      await drive(engine, finished('t1'));
      const snapshot = await f.tasks.getSnapshot('t1');
      expect(snapshot.status).toBe('COMPLETED');
      expect(snapshot.errors).toEqual([{ segment_id: 'fail0', error: 'Speech synthesis failed' }]);
      expect(snapshot.progress.current).toBe(3);
    });

    it('a one-segment run is not held behind a long batch (fairness)', async () => {
      await start('batch', jobs('b', 30));
      await settle();
      await start('single', jobs('s', 1));
      const order = await drive(engine, finished('single'));
      // Behind at most the batch segments already handed to the engine, never the whole batch.
      expect(order).toContain('s0');
      expect(order.indexOf('s0')).toBeLessThanOrEqual(3);
      expect(await status('batch')).toBe('PROCESSING');
      await drive(engine, finished('batch'));
      expect(await status('batch')).toBe('COMPLETED');
    });

    it('cancel stops the queued segments and aborts the running one', async () => {
      await start('t1', jobs('a', 5));
      await settle();
      engine.started.shift()!.finish();
      await settle();
      await f.tasks.cancel('t1');
      await settle();
      const startedBefore = engine.started.length;
      await settle();
      expect(engine.started.length).toBe(startedBefore);
      expect(f.queue.stats()).toMatchObject({ queued: 0, running: 0 });
      const snapshot = await f.tasks.getSnapshot('t1');
      expect(snapshot.status).toBe('FAILED');
      expect(snapshot.completed_segments.map((c) => c.segment_id)).toEqual(['a0']);
    });
  });
}
