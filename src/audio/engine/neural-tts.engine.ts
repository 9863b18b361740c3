import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { KokoroFiles, PiperVoiceFiles } from './engine-selection';
import { EngineConfigurationError } from './engine-selection';
import { KOKORO_LANGUAGES } from './engine-voices';
import { readNpz } from './npz';
import { EngineUnavailableError } from './tts-engine.errors';
import { EngineDescription, SynthesisRequest } from './tts.engine';
import { describeError, WorkerPoolSpec, WorkerPoolTtsEngine } from './worker-pool-tts.engine';

const WORKER_FILE = join(__dirname, 'onnx.worker.mjs');

export interface NeuralEngineOptions {
  /** Worker threads, i.e. segments synthesized in parallel. */
  workers: number;
  /** Cores to share between the workers' ONNX Runtime threads (default: all of them). */
  cores?: number;
}

/** One chunk of a text as the engine sends it to the model (see `tokenize`). */
export interface TokenChunk {
  phonemes: string;
  /** Token ids, pads excluded. */
  tokens: number[];
  /** Offset in the text where the chunk's last sentence ends. */
  end: number;
}

/** ONNX Runtime intra-op threads per worker so that workers × threads ≤ cores. */
export function threadsPerWorker(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / workers));
}

interface WarmupOutput {
  sampleRate: number;
  inputNames: string[];
  outputNames: string[];
}

/** What the Kokoro and Piper engines share: the ONNX worker, tokenization, start errors. */
abstract class OnnxTtsEngine extends WorkerPoolTtsEngine {
  readonly threads: number;

  constructor(options: NeuralEngineOptions) {
    super(options.workers);
    this.threads = threadsPerWorker(options.workers, options.cores);
  }

  /** The variable that names the files, for start errors. */
  protected abstract readonly variable: string;

  /** The text as the model receives it: chunks of phonemes and token ids (for tests and logs). */
  tokenize(text: string, voice: string): Promise<TokenChunk[]> {
    return this.runOnPool<TokenChunk[]>({ tokenize: true, text, voice });
  }

  protected taskFor(request: SynthesisRequest): Record<string, unknown> {
    return { text: request.text, voice: request.voice, speed: request.speed };
  }

  protected startError(error: unknown): EngineUnavailableError {
    const files = this.describe().files.join(', ');
    return new EngineUnavailableError(
      `The ${this.describe().engine} engine could not load ${files} (${this.variable}): ` +
        describeError(error),
      { cause: error },
    );
  }

  protected readyMessage(warm: unknown[], elapsedMs: number): string {
    const first = warm[0] as WarmupOutput;
    const { engine, files } = this.describe();
    return (
      `${engine} ready from ${files.join(', ')}: ${this.workers} worker(s) × ` +
      `${this.threads} ONNX thread(s), ${first.sampleRate} Hz, inputs ` +
      `${first.inputNames.join('/')} → ${first.outputNames.join('/')}, warmed in ${elapsedMs} ms`
    );
  }
}

/**
 * Kokoro-82M (StoryFlow's model) from `kokoro-v0_19.onnx` + `voices.bin` or the v1.0 pair, as
 * kokoro-onnx reads them: espeak-ng IPA in the voice's language, Kokoro's vocabulary, at most
 * 510 tokens per inference padded with 0 at both ends, the voice's style row for the token
 * count, `speed` given to the model, 24 kHz output. The voices file is read once here and
 * shared with every worker (SharedArrayBuffer).
 */
export class KokoroTtsEngine extends OnnxTtsEngine {
  protected readonly logger = new Logger(KokoroTtsEngine.name);
  protected readonly variable = 'KOKORO_MODEL_DIR';

  constructor(
    private readonly files: KokoroFiles,
    options: NeuralEngineOptions,
  ) {
    super(options);
  }

  describe(): EngineDescription {
    return { engine: 'kokoro', files: [this.files.model, this.files.voices] };
  }

  protected poolSpec(): WorkerPoolSpec {
    const { styles, styleDim, voices } = loadStyles(this.files.voices);
    const languages = Object.fromEntries(
      Object.entries(KOKORO_LANGUAGES).map(([prefix, { espeak }]) => [prefix, espeak]),
    );
    const names = Object.keys(voices);
    return {
      filename: WORKER_FILE,
      workerData: {
        kind: 'kokoro',
        threads: this.threads,
        model: this.files.model,
        styles,
        styleDim,
        voices,
        languages,
        defaultVoice: names.includes('af_bella') ? 'af_bella' : names[0],
      },
    };
  }
}

/**
 * Piper voices (`<name>.onnx` + `<name>.onnx.json`): espeak-ng IPA in the json's
 * `espeak.voice`, mapped through its `phoneme_id_map` with BOS/EOS/pad, the json's inference
 * scales with speed as `length_scale / speed`, the json's sample rate. A worker keeps one
 * voice's session loaded and switches when another voice is asked for.
 */
export class PiperTtsEngine extends OnnxTtsEngine {
  protected readonly logger = new Logger(PiperTtsEngine.name);
  protected readonly variable = 'PIPER_VOICES_DIR';

  constructor(
    private readonly voices: PiperVoiceFiles[],
    options: NeuralEngineOptions,
  ) {
    super(options);
  }

  describe(): EngineDescription {
    return { engine: 'piper', files: this.voices.flatMap((v) => [v.model, v.config]) };
  }

  protected poolSpec(): WorkerPoolSpec {
    return {
      filename: WORKER_FILE,
      workerData: {
        kind: 'piper',
        threads: this.threads,
        voices: Object.fromEntries(
          this.voices.map((v) => [v.name, { model: v.model, settings: v.settings }]),
        ),
      },
    };
  }
}

/** Every voice's style array in one shared Float32Array, with each voice's offset and rows. */
function loadStyles(path: string): {
  styles: Float32Array;
  styleDim: number;
  voices: Record<string, { offset: number; rows: number }>;
} {
  let arrays;
  try {
    arrays = readNpz(readFileSync(path));
  } catch (error) {
    throw new EngineConfigurationError(
      `Kokoro voices file ${path} (KOKORO_MODEL_DIR) is unreadable: ${describeError(error)}`,
    );
  }
  let styleDim = 0;
  let total = 0;
  for (const [name, array] of arrays) {
    // (510, 1, 256) in kokoro-onnx's files; (rows, 256) accepted too.
    const dim = array.shape[array.shape.length - 1];
    const rows = array.data.length / dim;
    if (array.shape.length < 2 || rows < 1 || (styleDim && dim !== styleDim)) {
      throw new EngineConfigurationError(
        `Kokoro voices file ${path} (KOKORO_MODEL_DIR): voice "${name}" has shape ` +
          `(${array.shape.join(', ')}), expected (510, 1, 256)`,
      );
    }
    styleDim = dim;
    total += array.data.length;
  }
  const styles = new Float32Array(new SharedArrayBuffer(total * Float32Array.BYTES_PER_ELEMENT));
  const voices: Record<string, { offset: number; rows: number }> = {};
  let offset = 0;
  for (const [name, array] of arrays) {
    styles.set(array.data, offset);
    voices[name] = { offset, rows: array.data.length / styleDim };
    offset += array.data.length;
  }
  return { styles, styleDim, voices };
}
