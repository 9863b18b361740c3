import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TtsEngine } from '../audio/engine/tts-engine.port';

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
    if (!this.engine.isAvailable()) {
      return indicator.down({ message: 'Speech engine is not available', workers });
    }
    if (workers < 1)
      return indicator.down({ message: 'No speech engine worker is alive', workers });
    return indicator.up({ workers, busy, queued });
  }
}
