import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AudioModule } from '../audio/audio.module';
import { DatabaseHealthIndicator } from './database.health';
import { DiskSpaceHealthIndicator } from './disk-space.health';
import { EngineHealthIndicator } from './engine.health';
import { HealthController } from './health.controller';

/** `GET /api/health/`: Terminus checks of the database, the speech engine and the disk. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), AudioModule],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, EngineHealthIndicator, DiskSpaceHealthIndicator],
})
export class HealthModule {}
