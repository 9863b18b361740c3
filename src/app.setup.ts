import { RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { Logger as PinoNestLogger, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { AppModule } from './app.module';
import { serveDirectly } from './common/http/direct-route';
import { answerFrameworkError } from './common/http/framework-errors';
import { echoRequestId, requestIdOf } from './common/logging/request-id';
import { registerRequestLogging } from './common/logging/request-logging';
import { registerGenerationRateLimit } from './common/security/generation-rate-limit';
import { registerSecurityHeaders } from './common/security/security-headers';
import { appConfig, type AppConfig } from './config/app.config';
import { METRICS_PATH } from './metrics/metrics.controller';
import { TaskStatusController } from './tasks/task-status.controller';

/** Every route but `/metrics` is under `/api`. */
const GLOBAL_PREFIX = 'api';

/** 1 MB: larger bodies get a 413 JSON error. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The Fastify adapter every instance of the app runs on (main.ts and the e2e tests). It is
 * built before the app (and its ConfigService) exists, hence the configuration argument.
 */
export function createFastifyAdapter(
  config: Pick<AppConfig, 'trustProxy'> = appConfig(),
): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    // The caller's X-Request-Id when sane, else a UUID; echoed back and on every log line.
    genReqId: requestIdOf,
    // Task ids are arbitrary strings, long ones included; the default limit is 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    // Undecodable paths and over-long parameters get the API's error shape, not Fastify's.
    frameworkErrors: answerFrameworkError,
    // No Nest middleware anywhere (request logging is a Fastify hook): without this, Nest
    // installs @fastify/middie, which runs on every request, status polls included.
    skipMiddie: true,
  });
}

/** Creates the application; `main.ts` and the e2e tests both go through here. */
export async function createApp(
  options: { logger?: false | ('error' | 'warn' | 'log')[] } = {},
): Promise<NestFastifyApplication> {
  // Without an explicit logger, Nest logs as JSON through pino (nestjs-pino, LOG_LEVEL);
  // the lines logged while the app starts are buffered until that logger exists.
  const jsonLogs = options.logger === undefined;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    createFastifyAdapter(),
    jsonLogs ? { bufferLogs: true } : { logger: options.logger, bufferLogs: false },
  );
  if (jsonLogs) app.useLogger(app.get(PinoNestLogger));
  await configureApp(app);
  return app;
}

/**
 * Global prefix, CORS, security headers, rate limits, request ids and Swagger. Fastify's own
 * errors (bad JSON, body too large) reach the global ApiExceptionFilter through Nest's error
 * handler, so they share its shape.
 *
 * The Fastify plugins are registered (and awaited) here, before Nest declares any route:
 * they attach route-level options from `onRoute` hooks, and a plugin awaited after the routes
 * were declared would make those routes keep Fastify's default error handler.
 */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  // Prometheus expects `/metrics` at the root.
  app.setGlobalPrefix(GLOBAL_PREFIX, {
    exclude: [{ path: METRICS_PATH, method: RequestMethod.GET }],
  });
  app.enableCors({
    origin: config.corsOrigins,
    // An OPTIONS request that is not a CORS preflight (no Origin or no
    // Access-Control-Request-Method) gets the usual 204 rather than @fastify/cors's
    // `400 text/plain`, which is not the API's error shape.
    strictPreflight: false,
    // Readable by StoryFlow's frontend on its own origin (429/503 backoff, support requests).
    exposedHeaders: [
      'retry-after',
      'x-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
    ],
  });
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  echoRequestId(fastify);
  registerRequestLogging(fastify, app.get<Params>(PARAMS_PROVIDER_TOKEN));
  await registerSecurityHeaders(fastify);
  await registerGenerationRateLimit(fastify, config.generationRateLimitPerMinute);
  // The status poll is the hot path: its handler needs no guard, pipe or interceptor.
  serveDirectly(fastify, app.get(TaskStatusController), 'status', GLOBAL_PREFIX);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('StoryFlow Voice')
      .setDescription('Story projects, segments, background speech synthesis and task status.')
      .setVersion('1.0')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
