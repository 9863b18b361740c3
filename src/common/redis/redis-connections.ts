import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { DomainError } from '../errors/domain.error';

/** Redis is not reachable: the request cannot be served now (503 with Retry-After). */
export class RedisUnavailableError extends DomainError {
  constructor(reason = 'Redis is not reachable') {
    super('unavailable', `The task store is not reachable (${reason}); try again later`, {
      retryAfterSeconds: 5,
    });
  }
}

/** What a health check says about Redis. */
export interface RedisState {
  ready: boolean;
  /** Why it is not ready (the last connection error), or null. */
  reason: string | null;
}

/**
 * The Redis connections of one process in a scaled-out deployment: one for commands (it
 * fails fast while Redis is away: no offline queue, so a request answers 503 at once rather
 * than hanging), one for the pub/sub subscriptions, and the options BullMQ builds its own
 * connections from. ioredis reconnects by itself, forever, with a capped backoff: when Redis
 * is back, the process is too. Closed when the app stops, after everything that uses them.
 */
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  readonly command: Redis;
  readonly subscriber: Redis;
  private lastError: string | null = null;

  constructor(
    readonly url: string,
    /** Prefix of every key, BullMQ's included (`<prefix>:...`). */
    readonly prefix: string,
  ) {
    this.command = new Redis(url, {
      ...this.baseOptions(),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.subscriber = new Redis(url, { ...this.baseOptions(), maxRetriesPerRequest: null });
    for (const [name, connection] of [
      ['command', this.command],
      ['subscriber', this.subscriber],
    ] as const) {
      connection.on('error', (error: Error) => {
        const reason = error.message || error.name;
        if (reason !== this.lastError) this.logger.warn(`Redis (${name}): ${reason}`);
        this.lastError = reason;
      });
      connection.on('ready', () => {
        if (this.lastError !== null) this.logger.log(`Redis (${name}) is back`);
        this.lastError = null;
      });
    }
  }

  /** Options for the connections BullMQ opens (its workers block: no retry limit). */
  bullConnection(): RedisOptions {
    const url = new URL(this.url);
    return {
      ...this.baseOptions(),
      host: url.hostname,
      port: url.port ? Number(url.port) : 6379,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
    };
  }

  /** Resolves once both connections are up (the first time; they reconnect by themselves). */
  async ready(): Promise<void> {
    for (const connection of [this.command, this.subscriber]) {
      if (connection.status === 'ready') continue;
      await new Promise<void>((resolve) => connection.once('ready', () => resolve()));
    }
  }

  state(): RedisState {
    const ready = this.command.status === 'ready';
    return {
      ready,
      reason: ready ? null : (this.lastError ?? `connection ${this.command.status}`),
    };
  }

  /** Throws RedisUnavailableError unless the command connection is up. */
  ensureReady(): void {
    const { ready, reason } = this.state();
    if (!ready) throw new RedisUnavailableError(reason ?? undefined);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  private baseOptions(): RedisOptions {
    return {
      lazyConnect: false,
      // Reconnect forever, every 0.2 s at first, then at most every 2 s.
      retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
      connectionName: `storyflow-voice:${process.pid}`,
    };
  }
}
