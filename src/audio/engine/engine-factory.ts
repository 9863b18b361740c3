import type { EngineChoice } from './engine-selection';
import { EspeakTtsEngine } from './espeak-tts.engine';
import { KokoroTtsEngine, PiperTtsEngine } from './neural-tts.engine';
import type { WorkerPoolTtsEngine } from './worker-pool-tts.engine';

/** The engine of a choice, not started (see `chooseEngine` for the choice). */
export function buildEngine(choice: EngineChoice, workers: number): WorkerPoolTtsEngine {
  switch (choice.kind) {
    case 'kokoro':
      return new KokoroTtsEngine(choice.kokoro, { workers });
    case 'piper':
      return new PiperTtsEngine(choice.piper, { workers });
    case 'espeak':
      return new EspeakTtsEngine({ workers });
  }
}
