import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisConnections } from '../common/redis/redis-connections';

/**
 * Redis of a scaled-out deployment answers (REDIS_URL): down with the reason (refused,
 * timed out, ...) while it is away. Not checked in a single process without REDIS_URL.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    // Null without REDIS_URL (the provider's value); the union type needs the explicit token.
    @Optional() @Inject(RedisConnections) private readonly redis: RedisConnections | null,
  ) {}

  get configured(): boolean {
    return Boolean(this.redis);
  }

  async check(key: string) {
    const indicator = this.health.check(key);
    if (!this.redis) return indicator.up({ mode: 'in process' });
    const { ready, reason } = this.redis.state();
    if (!ready) return indicator.down({ message: `Redis is not reachable: ${reason}` });
    try {
      await this.redis.command.ping();
      return indicator.up({ prefix: this.redis.prefix });
    } catch (error) {
      return indicator.down({ message: `Redis is not reachable: ${(error as Error).message}` });
    }
  }
}
