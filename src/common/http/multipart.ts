import fastifyMultipart, { type FastifyMultipartOptions } from '@fastify/multipart';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { type Hook, registerCatchingHooks } from './caught-hooks';

type HookName = 'onRequest' | 'onResponse';

/** Methods whose requests Fastify never parses a body of: no multipart upload can arrive. */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE', 'OPTIONS']);

/**
 * @fastify/multipart, with its request hooks on the routes that can receive a body only.
 *
 * The plugin adds two global hooks, an async `onRequest` that puts a `close` listener on every
 * response and an async `onResponse` that cleans up saved upload files: two promises, a
 * closure and a listener on every request, the status poll included (~1–2 % of a poll's CPU,
 * docs/PERFORMANCE.md), for files only a route with a body can save. Its `addHook` calls for
 * those two are caught while it registers and the hooks are attached by an `onRoute` hook to
 * each route a body can reach (any method but GET, HEAD, TRACE and OPTIONS), in the same
 * order. Its content-type parser and request decorators stay global. Must run before any
 * route is declared.
 */
export async function registerMultipart(
  fastify: FastifyInstance,
  options: FastifyMultipartOptions,
): Promise<void> {
  const hooks = await registerCatchingHooks(fastify, fastifyMultipart, options, [
    'onRequest',
    'onResponse',
  ]);
  const caught = { onRequest: hooks.get('onRequest')!, onResponse: hooks.get('onResponse')! };
  if (caught.onRequest.length + caught.onResponse.length === 0)
    throw new Error('@fastify/multipart added no request hooks: check registerMultipart');

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => BODYLESS.has(method.toUpperCase()))) return;
    const mutable = route as unknown as Record<HookName, Hook | Hook[] | undefined>;
    for (const name of ['onRequest', 'onResponse'] as const) {
      if (caught[name].length === 0) continue;
      mutable[name] = [...caught[name], ...toArray(mutable[name])];
    }
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
