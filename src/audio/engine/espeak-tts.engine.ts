import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { EngineDescription, SynthesisRequest } from './tts.engine';
import { WorkerPoolSpec, WorkerPoolTtsEngine } from './worker-pool-tts.engine';

export interface EspeakEngineOptions {
  /** Worker threads, i.e. segments synthesized in parallel. Default: `os.availableParallelism()`. */
  workers?: number;
}

/** Hand-written ESM so it loads unchanged from `src/` (ts-jest, ts-node) and `dist/`. */
const WORKER_FILE = join(__dirname, 'espeak.worker.mjs');

/** eSpeak's default rate, which `speed: 1.0` stands for. */
const DEFAULT_RATE_WPM = 175;

interface WarmupOutput {
  sampleRate: number;
  voices: { name: string; identifier: string }[];
}

/**
 * eSpeak-NG behind the `TtsEngine` port. Synthesis blocks a thread for hundreds of
 * milliseconds per paragraph, so it runs in a fixed piscina pool with one engine per
 * worker thread (see `WorkerPoolTtsEngine`). Built by AudioModule's engine factory.
 */
export class EspeakTtsEngine extends WorkerPoolTtsEngine {
  protected readonly logger = new Logger(EspeakTtsEngine.name);

  constructor(options: EspeakEngineOptions = {}) {
    super(options.workers ?? availableParallelism());
  }

  describe(): EngineDescription {
    return { engine: 'espeak', files: [] };
  }

  protected poolSpec(): WorkerPoolSpec {
    return { filename: WORKER_FILE };
  }

  /** speed 0.5–2.0 → eSpeak words per minute (88–350, inside eSpeak's 80–450). */
  protected taskFor(request: SynthesisRequest): Record<string, unknown> {
    return {
      text: request.text,
      voice: request.voice,
      rate: Math.round(DEFAULT_RATE_WPM * request.speed),
    };
  }

  protected readyMessage(warm: unknown[], elapsedMs: number): string {
    const first = warm[0] as WarmupOutput;
    return (
      `eSpeak-NG ready: ${this.workers} worker(s), ${first.sampleRate} Hz, ` +
      `${first.voices.length} voices, warmed in ${elapsedMs} ms`
    );
  }
}
