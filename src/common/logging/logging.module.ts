import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { LevelWithSilent } from 'pino';
import { type AppConfig, appConfig } from '../../config/app.config';
import { requestIdOf } from './request-id';

/**
 * Requests the operators do not need one line each for: health probes and metric scrapes
 * (status polls are not logged at all, see request-logging.ts). They are logged at `debug`.
 */
const ROUTINE_REQUEST = /^\/(?:api\/tasks\/[^/?]+\/status|api\/health|metrics)\/?(?:\?|$)/;

/** Fastify's request id, which registerRequestLogging copies onto the raw request. */
type RawRequest = IncomingMessage & { id?: string; originalUrl?: string };

/** Level of the one "request completed" line of a request. */
export function requestLogLevel(
  request: IncomingMessage,
  response: ServerResponse,
  error?: Error,
): LevelWithSilent {
  if (error || response.statusCode >= 500) return 'error';
  const url = (request as RawRequest).originalUrl ?? request.url ?? '';
  if (ROUTINE_REQUEST.test(url)) return 'debug';
  return response.statusCode === 429 ? 'warn' : 'info';
}

/** pino-http settings: JSON lines, the request id on each, lean request/response fields. */
export function loggingParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // Fastify already chose the id (X-Request-Id or a UUID, see request-id.ts).
      genReqId: (request: IncomingMessage) => (request as RawRequest).id ?? requestIdOf(request),
      customLogLevel: requestLogLevel,
      // Application logs inside a request carry only its id; the full request is logged once.
      quietReqLogger: true,
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    // No Nest middleware: the request lines are written by Fastify hooks, for the API only
    // and never for status polls (registerRequestLogging, request-logging.ts).
    forRoutes: [],
  };
}

/**
 * Structured JSON logs (nestjs-pino): Nest's own `Logger` calls as JSON lines, carrying the id
 * of the request they happen in; the one line per request is written by Fastify hooks that
 * `configureApp` registers with these same parameters (request-logging.ts). The level comes
 * from LOG_LEVEL (`silent` by default when NODE_ENV=test).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: ConfigType<typeof appConfig>) => loggingParams(config),
    }),
  ],
})
export class LoggingModule {}
