import rateLimit from '@fastify/rate-limit';
import { Logger } from '@nestjs/common';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { sendError } from '../http/error-reply';

/**
 * The routes that start speech synthesis, as Fastify declares them (global prefix included).
 * They share one budget per client: a "generate all" and single-segment generations count
 * against the same limit. Task polling and everything else are never limited.
 */
export const GENERATION_ROUTES: ReadonlySet<string> = new Set([
  '/api/segments/:id/generate-audio',
  '/api/projects/:id/generate-all-audio',
]);

const WINDOW_MS = 60_000;

/**
 * Limits the generation endpoints to `perMinute` requests per client IP (Fastify's
 * `request.ip`, so behind a proxy set TRUST_PROXY) with @fastify/rate-limit's store, and
 * answers the extra ones `429 {"error": ...}` with `Retry-After`, in the API's error shape.
 *
 * Nest declares the routes, so the limiter is attached to each matching route by an
 * `onRoute` hook (it must be registered before the routes are); the other routes carry no
 * hook at all. The 429 is sent here rather than thrown, so it does not depend on which error
 * handler a route captured.
 */
export async function registerGenerationRateLimit(
  fastify: FastifyInstance,
  perMinute: number,
): Promise<void> {
  await fastify.register(rateLimit, { global: false });
  const check = fastify.createRateLimit({ max: perMinute, timeWindow: WINDOW_MS });

  const limitGeneration: onRequestAsyncHookHandler = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ) => {
    const limit = await check(request);
    if (limit.isAllowed) return;
    reply.header('x-ratelimit-limit', limit.max);
    reply.header('x-ratelimit-remaining', limit.remaining);
    reply.header('x-ratelimit-reset', limit.ttlInSeconds);
    if (!limit.isExceeded) return;
    const retryAfter = Math.max(1, limit.ttlInSeconds);
    sendError(
      reply,
      429,
      {
        error: `Too many generation requests: at most ${limit.max} a minute. Try again in ${retryAfter} s.`,
      },
      { 'retry-after': String(retryAfter) },
    );
    return reply;
  };

  const limited = new Set<string>();
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!GENERATION_ROUTES.has(route.url) || !methods.includes('POST')) return;
    route.onRequest = [...toArray(route.onRequest), limitGeneration];
    limited.add(route.url);
  });
  fastify.addHook('onReady', (done) => {
    // A renamed route would silently lose its limit: say so at start.
    for (const url of GENERATION_ROUTES) {
      if (!limited.has(url))
        new Logger('RateLimit').warn(`No route ${url}: it is not rate limited`);
    }
    done();
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
