import {
  EngineUnavailableError,
  SynthesisAbortedError,
  SynthesisFailedError,
} from '../engine/tts-engine.errors';
import {
  type SynthesisOptions,
  type SynthesisRequest,
  type SynthesisResult,
  TtsEngine,
} from '../engine/tts.engine';
import type { SpeechSynthesizer } from './speech.synthesizer';

/**
 * An engine the tests drive: a text's samples are its length ×10, each equal to its length,
 * at 16 kHz; texts starting with `fail` fail; while `held`, syntheses wait for `release()`
 * (or their abort). `broken` engines never start.
 */
export class ScriptedEngine extends TtsEngine {
  readonly workers = 1;
  readonly started: SynthesisRequest[] = [];
  readonly finished: string[] = [];
  /** Texts whose synthesis was aborted while held. */
  readonly aborted: string[] = [];
  held = false;
  broken = false;
  private available = false;
  private gate: { promise: Promise<void>; open: () => void } = ScriptedEngine.gate();

  private static gate() {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
  }

  async start(): Promise<void> {
    if (this.broken) throw new EngineUnavailableError('no engine here');
    this.available = true;
  }

  /** Lets the held syntheses (and the next ones) go on. */
  release(): void {
    this.held = false;
    this.gate.open();
    this.gate = ScriptedEngine.gate();
  }

  async synthesize(request: SynthesisRequest, options: SynthesisOptions = {}) {
    if (!this.available) throw new EngineUnavailableError();
    this.started.push(request);
    const { signal } = options;
    if (this.held) {
      await new Promise<void>((resolve, reject) => {
        const abort = () => {
          this.aborted.push(request.text);
          reject(new SynthesisAbortedError());
        };
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort);
        void this.gate.promise.then(resolve);
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new SynthesisAbortedError();
    if (request.text.startsWith('fail')) throw new SynthesisFailedError('bad text');
    this.finished.push(request.text);
    const samples = new Int16Array(request.text.length * 10).fill(request.text.length);
    return { samples, sampleRate: 16_000 } satisfies SynthesisResult;
  }

  isAvailable(): boolean {
    return this.available;
  }

  stats() {
    return { workers: this.workers, busy: 0, queued: 0 };
  }

  async close(): Promise<void> {
    this.available = false;
  }
}

/** An adapter under test, on the given engine. */
export interface SpeechSynthesizerFixture {
  speech: SpeechSynthesizer;
  dispose(): Promise<void>;
  /**
   * Lets queued work reach its queue: by default a few turns of the event loop; an adapter
   * whose queue is across a network (BullMQ) waits for its round trips instead.
   */
  settle?: () => Promise<void>;
}

async function turns(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const piece = (text: string): SynthesisRequest => ({ text, voice: 'en-us', speed: 1.25 });

/** Waits (by polling a condition, never a fixed time) until `condition` holds. */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** The behaviour every SpeechSynthesizer adapter has (run from each adapter's spec). */
export function speechSynthesizerContract(
  name: string,
  make: (engine: ScriptedEngine) => Promise<SpeechSynthesizerFixture>,
): void {
  describe(`SpeechSynthesizer contract: ${name}`, () => {
    let engine: ScriptedEngine;
    let f: SpeechSynthesizerFixture | undefined;

    const fixture = async (prepare: (e: ScriptedEngine) => void = () => undefined) => {
      engine = new ScriptedEngine();
      prepare(engine);
      f = await make(engine);
      return f.speech;
    };

    afterEach(async () => {
      engine?.release();
      await f?.dispose();
      f = undefined;
    });

    it('speaks every piece, in order, each with its own samples, voice and speed', async () => {
      const speech = await fixture();
      const texts = ['One.', 'The second piece.', 'And three, the longest piece of all.', 'Four'];
      const results: SynthesisResult[] = [];
      for await (const result of speech.speak(texts.map(piece), new AbortController().signal)) {
        results.push(result);
      }
      expect(results.map((r) => r.samples.length)).toEqual(texts.map((t) => t.length * 10));
      expect(results.map((r) => r.samples[0])).toEqual(texts.map((t) => t.length));
      expect(results.every((r) => r.sampleRate === 16_000)).toBe(true);
      expect(engine.started.map((r) => [r.voice, r.speed])).toEqual(
        texts.map(() => ['en-us', 1.25]),
      );
    });

    it("a piece the engine fails rejects its own step with the engine's failure", async () => {
      const speech = await fixture();
      const spoken = speech.speak(
        [piece('Fine.'), piece('fail here')],
        new AbortController().signal,
      );
      expect((await spoken.next()).value?.samples.length).toBe(50);
      const error = await spoken.next().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(EngineUnavailableError);
      expect((error as Error).message).toMatch(/bad text/);
    });

    it('no engine: the first step rejects as unavailable, at once', async () => {
      const speech = await fixture((e) => (e.broken = true));
      const error = await speech
        .speak([piece('Hello.')], new AbortController().signal)
        .next()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(engine.started).toEqual([]);
    });

    it('aborting stops what is left: the waiting step rejects, the rest are never spoken', async () => {
      const speech = await fixture((e) => (e.held = true));
      const cancel = new AbortController();
      const texts = Array.from({ length: 12 }, (_, i) => `Piece number ${i + 1}.`);
      const spoken = speech.speak(texts.map(piece), cancel.signal);
      const first = spoken.next();
      await until(() => engine.started.length >= 1);
      cancel.abort();
      await expect(first).rejects.toBeInstanceOf(SynthesisAbortedError);
      engine.release();
      // Nothing of it runs afterwards: a later request is served, and only it.
      const startedBefore = engine.started.length;
      const after: SynthesisResult[] = [];
      for await (const r of speech.speak([piece('Later.')], new AbortController().signal)) {
        after.push(r);
      }
      expect(after).toHaveLength(1);
      expect(engine.started.length).toBeLessThan(texts.length);
      expect(engine.started.slice(startedBefore).map((r) => r.text)).toContain('Later.');
      expect(engine.finished.filter((t) => t.startsWith('Piece')).length).toBeLessThan(4);
    });

    it('a one-piece request does not wait for a long one', async () => {
      const speech = await fixture((e) => (e.held = true));
      const long = Array.from({ length: 12 }, (_, i) => `Long piece ${i + 1}.`);
      const longRun = (async () => {
        const out: number[] = [];
        for await (const r of speech.speak(long.map(piece), new AbortController().signal)) {
          out.push(r.samples.length);
        }
        return out;
      })();
      await until(() => engine.started.length >= 1);
      const short = speech.speak([piece('Short.')], new AbortController().signal).next();
      // Once the short request is queued, everything runs.
      await (f!.settle ?? turns)();
      engine.release();
      expect((await short).value?.samples.length).toBe(60);
      // It ran after a few pieces of the long request (those already in hand), not after all.
      expect(engine.finished.indexOf('Short.')).toBeLessThan(long.length / 2);
      expect(await longRun).toHaveLength(long.length);
    });
  });
}
