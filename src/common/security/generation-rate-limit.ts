import rateLimit from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { sendError } from '../http/error-reply';
import '../http/route-behaviour';

const WINDOW_MS = 60_000;

/**
 * Limits the generation endpoints to `perMinute` requests per client IP (Fastify's
 * `request.ip`, so behind a proxy set TRUST_PROXY) with @fastify/rate-limit's store, and
 * answers the extra ones `429 {"error": ...}` with `Retry-After`, in the API's error shape.
 *
 * The routes say they start synthesis (`@GenerationRoute()`, route-behaviour.ts); they share
 * one budget per client, so a "generate all" and single-segment generations count against the
 * same limit. The limiter is attached to each of them by an `onRoute` hook (it must be
 * registered before the routes are); the other routes, task polling included, carry no hook. The 429 is sent here rather than thrown, so it does not depend on which error
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
    const message = `Too many generation requests: at most ${limit.max} a minute. Try again in ${retryAfter} s.`;
    if (request.routeOptions.config.openAiErrors) {
      // OpenAI's shape, which its SDKs parse (`/v1/audio/speech`).
      reply
        .code(429)
        .header('retry-after', String(retryAfter))
        .header('content-type', 'application/json; charset=utf-8')
        .send(
          JSON.stringify({
            error: { message, type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
          }),
        );
      return reply;
    }
    sendError(reply, 429, { error: message }, { 'retry-after': String(retryAfter) });
    return reply;
  };

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.generation) return;
    route.onRequest = [...toArray(route.onRequest), limitGeneration];
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
