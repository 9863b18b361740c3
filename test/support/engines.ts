import {
  EngineUnavailableError,
  SynthesisAbortedError,
} from '../../src/audio/engine/tts-engine.errors';
import {
  type EngineDescription,
  type EngineStats,
  type SynthesisOptions,
  type SynthesisRequest,
  type SynthesisResult,
  TtsEngine,
} from '../../src/audio/engine/tts.engine';
import type { ProviderOverride } from '../../src/app.setup';
import { buildEngine } from '../../src/audio/engine/engine-factory';
import { chooseEngine } from '../../src/audio/engine/engine-selection';
import { loadAppConfig } from '../../src/config/app.config';

/** An engine that cannot start: every use of it fails as "unavailable". */
export const brokenEngine: ProviderOverride = {
  provide: TtsEngine,
  useValue: {
    workers: 1,
    start: () => Promise.reject(new EngineUnavailableError('no engine here')),
    isAvailable: () => false,
    synthesize: () => Promise.reject(new EngineUnavailableError()),
    stats: () => ({ workers: 0, busy: 0, queued: 0 }),
    close: () => Promise.resolve(),
  },
};

/**
 * The default engine of e2e tests whose subject is not audio: no worker threads, an instant
 * answer of ~10 ms of a quiet tone per character at 22050 Hz (so longer texts are longer WAVs),
 * on the next turn of the event loop like a real engine. It keeps the port's contract:
 * unavailable before `start()` and after `close()`, aborts honoured.
 */
export class FakeTtsEngine extends TtsEngine {
  readonly workers = 2;
  private available = false;
  private busy = 0;

  async start(): Promise<void> {
    this.available = true;
  }

  isAvailable(): boolean {
    return this.available;
  }

  stats(): EngineStats {
    return { workers: this.workers, busy: this.busy, queued: 0 };
  }

  describe(): EngineDescription {
    return { engine: 'fake', files: [] };
  }

  async synthesize(
    request: SynthesisRequest,
    options: SynthesisOptions = {},
  ): Promise<SynthesisResult> {
    if (!this.available) throw new EngineUnavailableError();
    this.busy++;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new SynthesisAbortedError();
      const sampleRate = 22050;
      const samples = new Int16Array(Math.max(1, request.text.length) * 220);
      for (let i = 0; i < samples.length; i++) samples[i] = Math.round(1000 * Math.sin(i / 10));
      options.onProgress?.(1);
      return { samples, sampleRate };
    } finally {
      this.busy--;
    }
  }

  async close(): Promise<void> {
    this.available = false;
  }
}

/**
 * A new, unstarted instance of the engine the test configuration selects (eSpeak, or Kokoro /
 * Piper when TTS_ENGINE and the model folders say so, as in the `e2e-kokoro` jest project), for
 * tests that wrap the real engine.
 */
export function configuredEngine(workers = 2): TtsEngine {
  // The variables of the test process, as `testConfig` reads them.
  return buildEngine(chooseEngine(loadAppConfig(process.env)), workers);
}

/**
 * The configured engine, except that once `passing` syntheses have started, every further one
 * waits until `release()` (an abort still ends it): a batch held part-way, however fast the
 * machine, for tests that must see it mid-way.
 */
export class GatedEngine extends TtsEngine {
  private started = 0;
  private opened: () => void = () => undefined;
  private readonly open = new Promise<void>((resolve) => (this.opened = resolve));

  constructor(
    private readonly real: TtsEngine,
    private readonly passing: number,
  ) {
    super();
  }

  get workers(): number {
    return this.real.workers;
  }

  start(): Promise<void> {
    return this.real.start();
  }

  isAvailable(): boolean {
    return this.real.isAvailable();
  }

  stats(): EngineStats {
    return this.real.stats();
  }

  describe(): EngineDescription {
    return this.real.describe();
  }

  close(): Promise<void> {
    return this.real.close();
  }

  /** Lets every held and later synthesis go on. */
  release(): void {
    this.opened();
  }

  async synthesize(
    request: SynthesisRequest,
    options: SynthesisOptions = {},
  ): Promise<SynthesisResult> {
    this.started += 1;
    if (this.started > this.passing) await this.gate(options.signal);
    return this.real.synthesize(request, options);
  }

  private gate(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.open;
    if (signal.aborted) return Promise.reject(new SynthesisAbortedError());
    return new Promise<void>((resolve, reject) => {
      const aborted = () => reject(new SynthesisAbortedError());
      signal.addEventListener('abort', aborted, { once: true });
      void this.open.then(() => {
        signal.removeEventListener('abort', aborted);
        resolve();
      });
    });
  }
}
