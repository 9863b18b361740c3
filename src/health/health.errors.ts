import type { HealthCheckResult } from '@nestjs/terminus';
import { DomainError } from '../common/errors/domain.error';

/**
 * A health check found something down. Answered 503 in the API's error shape, with Terminus's
 * full report (`status`, `info`, `error`, `details`) under `details`.
 */
export class ServiceUnhealthyError extends DomainError {
  constructor(report: HealthCheckResult) {
    const down = Object.keys(report.error ?? {});
    super('unavailable', `Service unhealthy: ${down.join(', ') || 'unknown'}`, {
      details: report as unknown as Record<string, unknown>,
    });
  }
}
