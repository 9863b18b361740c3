import type { WordBoundary } from '../../common/speech/word-boundary';

/** What to say and how; the engine knows nothing about projects or segments. */
export interface SynthesisRequest {
  text: string;
  /** Engine voice name, e.g. `'en-us+f3'` (see `VOICE_CATALOGUE` for StoryFlow's ids). */
  voice: string;
  /** 0.5–2.0; 1.0 is the engine's default speaking rate. */
  speed: number;
}

/** 16-bit mono PCM, ready for `encodeWav`. */
export interface SynthesisResult {
  samples: Int16Array;
  sampleRate: number;
  /**
   * Where each word begins in `samples`, in text order, when the engine reports it (eSpeak's
   * word events); absent otherwise. Used to time subtitles by sentence.
   */
  words?: WordBoundary[];
  /**
   * True when the WAV_HEADER_BYTES in front of `samples` in its buffer are free for a WAV
   * header (the engine's worker left room): `wavOf` then makes the file without a copy.
   */
  headerRoom?: boolean;
}

export interface SynthesisOptions {
  /** Aborting rejects with `SynthesisAbortedError`; a running synthesis stops within milliseconds. */
  signal?: AbortSignal;
  /**
   * Fraction of the text spoken so far, 0..1: non-decreasing, at most ~10 calls a second,
   * first called when a worker starts on the text, and with exactly 1 on success.
   */
  onProgress?: (fraction: number) => void;
}

/** Load of the engine's worker pool at one instant. */
export interface EngineStats {
  workers: number;
  busy: number;
  queued: number;
}

/** Which engine runs and from which files (for the health check and the start log). */
export interface EngineDescription {
  /** `espeak`, `kokoro`, `piper`, or another name for a test double. */
  engine: string;
  /** Absolute paths of the model files loaded (none for eSpeak, whose data is built in). */
  files: string[];
}

/**
 * Port for offline text-to-speech, used as the Nest DI token (`{ provide: TtsEngine, ... }`).
 * Lifecycle: `start()` once, then `synthesize()` concurrently as much as needed
 * (requests beyond `workers` wait in a queue), then `close()`.
 */
export abstract class TtsEngine {
  /** Number of segments the engine synthesizes in parallel. */
  abstract readonly workers: number;

  /** Starts and warms the engine. @throws EngineUnavailableError when it cannot start. */
  abstract start(): Promise<void>;

  /**
   * Synthesizes one text.
   * @throws EngineUnavailableError before `start()` or after `close()`
   * @throws SynthesisAbortedError when `options.signal` aborts first
   * @throws SynthesisFailedError when the engine rejects the request or its worker dies
   */
  abstract synthesize(
    request: SynthesisRequest,
    options?: SynthesisOptions,
  ): Promise<SynthesisResult>;

  /** True between a successful `start()` and `close()`. */
  abstract isAvailable(): boolean;

  abstract stats(): EngineStats;

  /** Which engine this is and which files it loaded. Test doubles may keep this default. */
  describe(): EngineDescription {
    return { engine: this.constructor.name, files: [] };
  }

  /** Waits for running syntheses, then stops the workers. */
  abstract close(): Promise<void>;
}
