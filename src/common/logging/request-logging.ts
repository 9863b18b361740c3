import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Params } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { pinoHttp, type Options } from 'pino-http';
import '../http/route-behaviour';

/** The API is logged; static files (page, media) and `/metrics` are not. */
const isApiPath = (path: string): boolean => path === '/api' || path.startsWith('/api/');

/**
 * Whether a declared route is logged: as its `@RouteConfig` says (the status poll says no),
 * else by its path; `undefined` for catch-alls (decided by each request's path).
 */
export function isLoggedRoute(
  route: Pick<RouteOptions, 'url'> & { config?: { requestLog?: boolean } },
): boolean | undefined {
  if (route.config?.requestLog !== undefined) return route.config.requestLog;
  if (route.url.includes('*')) return undefined;
  return isApiPath(route.url);
}

/**
 * One JSON line per API request (pino-http, with the request id Fastify chose) and, for the
 * duration of the request, nestjs-pino's request-scoped logger, so that Nest `Logger` lines
 * written while handling it carry its id too.
 *
 * nestjs-pino would do this with a Nest middleware, and a Nest middleware on Fastify means
 * @fastify/middie on every request, the status poll included, just to find out that the
 * poll is excluded: measured ~15 % of a poll's server CPU (docs/PERFORMANCE.md). Here the
 * decision is taken once per route when it is declared (an `onRoute` hook, so this must run
 * before any route is), and a route that is not logged costs one property read.
 */
export function registerRequestLogging(
  fastify: FastifyInstance,
  params: Pick<Params, 'pinoHttp'>,
): void {
  const logRequest = pinoHttp(params.pinoHttp as Options);
  fastify.addHook('onRoute', (route: RouteOptions) => {
    route.config = { ...route.config, requestLog: isLoggedRoute(route) };
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const logged = request.routeOptions.config.requestLog ?? isApiPath(request.url);
    if (!logged) return done();
    const raw = request.raw as IncomingMessage & { id?: string; log?: Store['logger'] };
    raw.id = request.id;
    logRequest(raw, reply.raw as ServerResponse);
    storage.run(new Store(raw.log!), done);
  });
}
