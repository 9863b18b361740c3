import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AudioModule } from '../audio/audio.module';
import { DatabaseHealthIndicator } from './database.health';
import { DiskSpaceHealthIndicator } from './disk-space.health';
import { EngineHealthIndicator } from './engine.health';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';
import { TasksModule } from '../tasks/tasks.module';

/**
 * `GET /api/health/`: Terminus checks of the database, the speech engine (not on an API node)
 * and the disk, and Redis with REDIS_URL.
 */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), AudioModule, TasksModule],
  controllers: [HealthController],
  providers: [
    DatabaseHealthIndicator,
    EngineHealthIndicator,
    DiskSpaceHealthIndicator,
    RedisHealthIndicator,
  ],
})
export class HealthModule {}
