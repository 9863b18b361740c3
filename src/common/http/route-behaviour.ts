import { RouteConfig } from '@nestjs/platform-fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Whether this route's requests are logged (request-logging.ts); unset: by the path. */
    requestLog?: boolean;
    /** The task status poll: counted by the metrics hook (metrics.module.ts). */
    statusPoll?: boolean;
    /** Starts speech synthesis: shares the per-client generation budget (generation-rate-limit.ts). */
    generation?: boolean;
    /** Errors answered by the hooks (the rate limit) in OpenAI's shape: the `/v1` routes. */
    openAiErrors?: boolean;
  }
}

/**
 * Route-level behaviour is declared on the handler, once, with Fastify's route config
 * (`@RouteConfig`), and read by the Fastify hooks when the route is declared or a request
 * arrives: no hook keeps its own list of paths.
 */

/** The status poll, the hot path: never logged per request, counted by the metrics. */
export const StatusPollRoute = (): MethodDecorator =>
  RouteConfig({ statusPoll: true, requestLog: false });

/** A route that starts speech synthesis: rate limited per client (one budget for all of them). */
export const GenerationRoute = (): MethodDecorator => RouteConfig({ generation: true });
