import { EngineUnavailableError } from '../../src/audio/engine/tts-engine.errors';
import { TtsEngine } from '../../src/audio/engine/tts-engine.port';
import type { ProviderOverride } from './test-app';

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
