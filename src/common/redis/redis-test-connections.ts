import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisConnections } from './redis-connections';

/**
 * The Redis the tests use: TEST_REDIS_URL, or 127.0.0.1:6379 as `.ci/run` starts it. Test
 * support only (the Redis adapters' specs and the multi-process e2e test).
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Fails (never skips) when no Redis answers at TEST_REDIS_URL, naming what to do: the Redis
 * adapters are part of `npm test`, in CI and everywhere.
 */
export async function requireTestRedis(url = TEST_REDIS_URL): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(
      `Redis test run: cannot reach ${url} (${(error as Error).message}). Start a server there ` +
        '(bash .ci/run does: apt package redis-server) or set TEST_REDIS_URL.',
    );
  } finally {
    probe.disconnect();
  }
}

/** A key prefix of its own for one test run: `sftest:<label>:<pid>:<hex>`. */
export function testRedisPrefix(label: string): string {
  return `sftest:${label}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Deletes every key under `prefix` (a test run's, BullMQ's included). */
export async function removeTestKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Connections on a fresh prefix, and their cleanup (keys removed, connections closed). */
export async function testRedisConnections(
  label: string,
): Promise<{ redis: RedisConnections; cleanup: () => Promise<void> }> {
  await requireTestRedis();
  const redis = new RedisConnections(TEST_REDIS_URL, testRedisPrefix(label));
  await redis.ready();
  return {
    redis,
    cleanup: async () => {
      await removeTestKeys(TEST_REDIS_URL, redis.prefix);
      await redis.onApplicationShutdown();
    },
  };
}
