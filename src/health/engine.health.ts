import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TtsEngine } from '../audio/engine/tts.engine';

/**
 * The speech engine is started and has at least one live worker. Down while the engine is
 * still warming up after a start, so the check doubles as a readiness probe.
 */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly engine: TtsEngine,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key: string) {
    const indicator = this.health.check(key);
    const { workers, busy, queued } = this.engine.stats();
    // Which engine runs and from which model files (none for eSpeak's built-in voices).
    const { engine, files } =
      typeof this.engine.describe === 'function'
        ? this.engine.describe()
        : { engine: 'unknown', files: [] as string[] };
    if (!this.engine.isAvailable()) {
      return indicator.down({ message: 'Speech engine is not available', engine, files, workers });
    }
    if (workers < 1)
      return indicator.down({
        message: 'No speech engine worker is alive',
        engine,
        files,
        workers,
      });
    return indicator.up({ engine, files, workers, busy, queued });
  }
}
