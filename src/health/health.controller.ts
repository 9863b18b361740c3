import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { DatabaseHealthIndicator } from './database.health';
import { DiskSpaceHealthIndicator } from './disk-space.health';
import { EngineHealthIndicator } from './engine.health';
import { ServiceUnhealthyError } from './health.errors';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly engine: EngineHealthIndicator,
    private readonly disk: DiskSpaceHealthIndicator,
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
        () => this.engine.check('engine'),
        () => this.disk.check('disk'),
      ]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        throw new ServiceUnhealthyError(error.getResponse() as HealthCheckResult);
      }
      throw error;
    }
  }
}
