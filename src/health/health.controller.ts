import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { appConfig } from '../config/app.config';
import { DatabaseHealthIndicator } from './database.health';
import { DiskSpaceHealthIndicator } from './disk-space.health';
import { EngineHealthIndicator } from './engine.health';
import { ServiceUnhealthyError } from './health.errors';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly engine: EngineHealthIndicator,
    private readonly disk: DiskSpaceHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Liveness and readiness: database, speech engine workers, free disk space',
    description:
      '200 `{status: "ok", info, error: {}, details}` when every check is up. 503 otherwise, in ' +
      'the API\'s error shape: `{error: "Service unhealthy: <checks>", details: <the same report ' +
      'with status "error">}`. The engine check is down while the engine warms up after a start.',
  })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.check('database'),
        // An API node runs no engine (ROLE=api): its workers are other processes.
        ...(this.config.role === 'api' ? [] : [() => this.engine.check('engine')]),
        () => this.disk.check('disk'),
        ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
      ]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        throw new ServiceUnhealthyError(error.getResponse() as HealthCheckResult);
      }
      throw error;
    }
  }
}
