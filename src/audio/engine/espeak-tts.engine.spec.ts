import { Logger } from '@nestjs/common';
import { EspeakTtsEngine } from './espeak-tts.engine';
import {
  EngineUnavailableError,
  SynthesisAbortedError,
  SynthesisFailedError,
} from './tts-engine.errors';
import { SynthesisRequest } from './tts.engine';
import { durationOf } from './wav';

// Real eSpeak in real worker threads. At most 2 workers: the CI machine has 2 cores.

const TEN_WORDS = 'The quick brown fox jumps over the lazy sleeping dog.';
const PARAGRAPH =
  'Once upon a time, in a village at the edge of a great forest, there lived a young girl ' +
  'who loved to tell stories. Every evening the villagers gathered around the fire to hear ' +
  'her tales of brave knights, clever foxes and dragons that were afraid of the dark.';
/** Many seconds of synthesis: only a working abort makes a test using it finish quickly. */
const LONG_TEXT = Array.from({ length: 40 }, () => PARAGRAPH).join(' ');

const request = (text: string, overrides: Partial<SynthesisRequest> = {}): SynthesisRequest => ({
  text,
  voice: 'en-us+f3',
  speed: 1,
  ...overrides,
});

const peak = (samples: Int16Array) => samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);

/** Resolves on the first progress report: the task is then running in a worker. */
function firstProgress(): { onProgress: (fraction: number) => void; started: Promise<void> } {
  let resolve!: () => void;
  const started = new Promise<void>((r) => (resolve = r));
  return { onProgress: () => resolve(), started };
}

/** The worker thread behind a one-worker engine (white-box: proves it was not replaced). */
const threadIdOf = (engine: EspeakTtsEngine) => engine['pool']!.threads[0].threadId;

describe('EspeakTtsEngine', () => {
  const previousHooks = process.env.STORYFLOW_TEST_HOOKS;
  let engine: EspeakTtsEngine;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    // Read by the workers when they load; enables the '\uE000__crash__' test hooks.
    process.env.STORYFLOW_TEST_HOOKS = '1';
    engine = new EspeakTtsEngine({ workers: 2 });
    await engine.start();
  });

  afterAll(async () => {
    await engine.close();
    if (previousHooks === undefined) delete process.env.STORYFLOW_TEST_HOOKS;
    else process.env.STORYFLOW_TEST_HOOKS = previousHooks;
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it('starts warm with the requested number of idle workers', () => {
    expect(engine.isAvailable()).toBe(true);
    expect(engine.workers).toBe(2);
    expect(engine.stats()).toEqual({ workers: 2, busy: 0, queued: 0 });
  });

  it('turns a ten-word sentence into non-silent audio of plausible duration', async () => {
    const { samples, sampleRate } = await engine.synthesize(request(TEN_WORDS));

    expect(sampleRate).toBe(22050);
    expect(durationOf(samples, sampleRate)).toBeGreaterThan(2);
    expect(durationOf(samples, sampleRate)).toBeLessThan(8);
    expect(peak(samples)).toBeGreaterThan(1000);
  });

  it('speaks faster at speed 2.0 than at 0.5', async () => {
    const [fast, slow] = await Promise.all([
      engine.synthesize(request(TEN_WORDS, { speed: 2 })),
      engine.synthesize(request(TEN_WORDS, { speed: 0.5 })),
    ]);

    expect(fast.samples.length).toBeLessThan(slow.samples.length / 2);
  });

  it('reports non-decreasing progress that ends at 1', async () => {
    const fractions: number[] = [];
    const text = Array.from({ length: 6 }, () => PARAGRAPH).join(' ');

    await engine.synthesize(request(text), { onProgress: (f) => fractions.push(f) });

    expect(fractions.length).toBeGreaterThanOrEqual(2);
    expect(fractions.at(-1)).toBe(1);
    fractions.forEach((f, i) => {
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThanOrEqual(1);
      if (i > 0) expect(f).toBeGreaterThanOrEqual(fractions[i - 1]);
    });
  });

  it('keeps the main event loop free while a long text is synthesized (the pool runs it)', async () => {
    // Counted, not timed: the text runs as one task of the worker pool, and the main loop
    // keeps turning meanwhile (on this thread the same text would hold it for seconds).
    const pool = engine['pool']!;
    const completedBefore = pool.completed;
    const text = Array.from({ length: 12 }, () => PARAGRAPH).join(' ');
    let turns = 0;
    let done = false;
    const turn = () => {
      if (done) return;
      turns += 1;
      setImmediate(turn);
    };
    const synthesis = engine.synthesize(request(text)).finally(() => (done = true));
    setImmediate(turn);
    const { samples, sampleRate } = await synthesis;

    expect(durationOf(samples, sampleRate)).toBeGreaterThan(120);
    expect(pool.completed).toBe(completedBefore + 1);
    expect(turns).toBeGreaterThan(1);
  });

  it('rejects an unknown engine voice with SynthesisFailedError', async () => {
    const attempt = engine.synthesize(request(TEN_WORDS, { voice: 'en-gb+f2' }));

    await expect(attempt).rejects.toThrow(SynthesisFailedError);
    await expect(attempt).rejects.toThrow(/en-gb\+f2/);
  });

  it.each([0.49, 2.01, Number.NaN])('rejects speed %p with SynthesisFailedError', async (speed) => {
    await expect(engine.synthesize(request(TEN_WORDS, { speed }))).rejects.toThrow(
      SynthesisFailedError,
    );
  });

  it('rejects an empty text with SynthesisFailedError', async () => {
    await expect(engine.synthesize(request('  \n '))).rejects.toThrow(SynthesisFailedError);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(
      engine.synthesize(request(LONG_TEXT), { signal: AbortSignal.abort() }),
    ).rejects.toThrow(SynthesisAbortedError);
    expect(engine.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it.each([
    ['exits', '\uE000__crash__'],
    ['throws an uncaught exception', '\uE000__throw__'],
  ])('fails only the task of a worker that %s, and the pool recovers', async (_, hook) => {
    const progress = firstProgress();
    const sibling = engine.synthesize(request(PARAGRAPH), { onProgress: progress.onProgress });
    await progress.started; // the sibling holds one worker, the hook gets the other

    await expect(engine.synthesize(request(hook))).rejects.toThrow(SynthesisFailedError);

    await expect(sibling).resolves.toMatchObject({ sampleRate: 22050 });
    expect(engine.stats().workers).toBe(2);
    const after = await Promise.all([
      engine.synthesize(request(TEN_WORDS)),
      engine.synthesize(request(TEN_WORDS)),
    ]);
    after.forEach(({ samples }) => expect(peak(samples)).toBeGreaterThan(1000));
  });

  describe('with one worker', () => {
    let solo: EspeakTtsEngine;

    beforeAll(async () => {
      solo = new EspeakTtsEngine({ workers: 1 });
      await solo.start();
    });

    afterAll(() => solo.close());

    it('aborts a running synthesis quickly and the same worker then speaks the next text', async () => {
      const thread = threadIdOf(solo);
      const controller = new AbortController();
      const progress = firstProgress();
      const fractions: number[] = [];
      const running = solo.synthesize(request(LONG_TEXT), {
        signal: controller.signal,
        onProgress: (fraction) => {
          fractions.push(fraction);
          progress.onProgress(fraction);
        },
      });
      await progress.started;

      controller.abort();
      await expect(running).rejects.toThrow(SynthesisAbortedError);

      // Stopped part-way (at the next audio chunk), not at the end of the long text.
      expect(Math.max(...fractions)).toBeLessThan(1);
      const next = await solo.synthesize(request(TEN_WORDS));
      expect(peak(next.samples)).toBeGreaterThan(1000);
      expect(threadIdOf(solo)).toBe(thread);
    });

    it('rejects a queued task at once when aborted, without disturbing the running one', async () => {
      const progress = firstProgress();
      const running = solo.synthesize(request(PARAGRAPH), { onProgress: progress.onProgress });
      await progress.started;
      const controller = new AbortController();
      const queued = solo.synthesize(request(TEN_WORDS), { signal: controller.signal });
      expect(solo.stats()).toEqual({ workers: 1, busy: 1, queued: 1 });

      controller.abort();
      const outcome = await Promise.race([
        queued.then(
          () => 'resolved',
          (error) => error,
        ),
        running.then(() => 'running task finished first'),
      ]);

      expect(outcome).toBeInstanceOf(SynthesisAbortedError);
      await expect(running).resolves.toMatchObject({ sampleRate: 22050 });
    });
  });

  describe('lifecycle', () => {
    it('is unavailable before start() and after close()', async () => {
      const idle = new EspeakTtsEngine({ workers: 1 });
      expect(idle.isAvailable()).toBe(false);
      await expect(idle.synthesize(request(TEN_WORDS))).rejects.toThrow(EngineUnavailableError);

      await idle.start();
      await idle.close();

      expect(idle.isAvailable()).toBe(false);
      await expect(idle.synthesize(request(TEN_WORDS))).rejects.toThrow(EngineUnavailableError);
      await expect(idle.start()).rejects.toThrow(EngineUnavailableError);
    });

    it('refuses a worker count that is not a positive integer', () => {
      expect(() => new EspeakTtsEngine({ workers: 0 })).toThrow(RangeError);
    });
  });
});
