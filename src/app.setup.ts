import { DynamicModule, LogLevel, NestApplicationOptions, RequestMethod } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { Logger as PinoNestLogger, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AudioStorage } from './audio/storage/audio.storage';
import { serveDirectly } from './common/http/direct-route';
import { corsOptions, registerCors } from './common/http/cors';
import { sendError } from './common/http/error-reply';
import { answerFrameworkError } from './common/http/framework-errors';
import { registerMultipart } from './common/http/multipart';
import { echoRequestId, requestIdOf } from './common/logging/request-id';
import { registerRequestLogging } from './common/logging/request-logging';
import { registerGenerationRateLimit } from './common/security/generation-rate-limit';
import { registerSecurityHeaders } from './common/security/security-headers';
import { appConfig, type AppConfig, checkSharedDataDir, loadAppConfig } from './config/app.config';
import { MediaLayout } from './media/media-layout';
import { registerMediaRoute } from './media/media-route';
import { MediaUploadStore } from './media/uploads/media-upload.store';
import { METRICS_PATH } from './metrics/metrics.controller';
import { OPENAI_PREFIX } from './openai/openai.controller';
import { registerOpenAiErrorShape } from './openai/openai-error-shape';
import { TaskStatusController } from './tasks/task-status.controller';

/** Every route but `/metrics` and OpenAI's `/v1/*` is under `/api`. */
const GLOBAL_PREFIX = 'api';

/** 1 MB: larger bodies get a 413 JSON error. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The largest file any upload route accepts (a segment image). */
const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * The Fastify adapter every instance of the app runs on (main.ts and the e2e tests). It is
 * built before the app (and its configuration provider) exists, hence the argument.
 */
export function createFastifyAdapter(config: Pick<AppConfig, 'trustProxy'>): FastifyAdapter {
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

/**
 * A worker node (ROLE=worker) answers only `/api/health/` and `/metrics`: every other path
 * gets the API's 404 error, before any route runs.
 */
function serveOnlyOperations(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0].replace(/\/+$/, '');
    if (path === `/${GLOBAL_PREFIX}/health` || path === `/${METRICS_PATH}`) {
      return;
    }
    sendError(reply, 404, {
      error:
        'Not found: this is a worker node (ROLE=worker), it serves only /api/health/ and /metrics',
    });
    return reply;
  });
}

/** A provider to replace, as `overrideProvider(token).useValue(value)` does. */
export interface ProviderOverride {
  provide: unknown;
  useValue: unknown;
}

export interface CreateAppOptions {
  /** The validated configuration; by default it is loaded from `process.env`, once, here. */
  config?: AppConfig;
  /** Providers to replace by other values (the tests' fake engine, say). */
  overrides?: ProviderOverride[];
  /** Nest's own logger instead of the JSON logs (`false`: none at all). */
  logger?: false | LogLevel[];
}

/**
 * Creates the application on one configuration; `main.ts` and the e2e tests both go through
 * here. Nothing in the app reads `process.env` after this: the configuration is a provider.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const config = options.config ?? loadAppConfig(process.env);
  checkSharedDataDir(config);
  // Without an explicit logger, Nest logs as JSON through pino (nestjs-pino, LOG_LEVEL);
  // the lines logged while the app starts are buffered until that logger exists.
  const jsonLogs = options.logger === undefined;
  const appOptions: NestApplicationOptions = jsonLogs
    ? { bufferLogs: true }
    : { logger: options.logger, bufferLogs: false };
  const module = AppModule.forRoot(config);
  const adapter = createFastifyAdapter(config);
  const overrides = options.overrides ?? [];
  const app = overrides.length
    ? await createOverriddenApp(module, adapter, appOptions, overrides)
    : await NestFactory.create<NestFastifyApplication>(module, adapter, appOptions);
  if (jsonLogs) app.useLogger(app.get(PinoNestLogger));
  await configureApp(app);
  return app;
}

/**
 * The same module graph with some providers replaced. Nest can only replace providers inside
 * feature modules through @nestjs/testing, a development dependency: it is loaded only when a
 * caller (a test) asks for overrides, never by main.ts.
 */
async function createOverriddenApp(
  module: DynamicModule,
  adapter: FastifyAdapter,
  appOptions: NestApplicationOptions,
  overrides: ProviderOverride[],
): Promise<NestFastifyApplication> {
  const { Test } = await import('@nestjs/testing');
  let builder = Test.createTestingModule({ imports: [module] });
  for (const { provide, useValue } of overrides) {
    builder = builder.overrideProvider(provide).useValue(useValue);
  }
  const moduleRef = await builder.compile();
  return moduleRef.createNestApplication<NestFastifyApplication>(adapter, appOptions);
}

/**
 * Global prefix, CORS, security headers, rate limits, request ids, `/media/` and Swagger. Fastify's own
 * errors (bad JSON, body too large) reach the global ApiExceptionFilter through Nest's error
 * handler, so they share its shape.
 *
 * The Fastify plugins are registered (and awaited) here, before Nest declares any route:
 * they attach route-level options from `onRoute` hooks, and a plugin awaited after the routes
 * were declared would make those routes keep Fastify's default error handler.
 */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  // Prometheus expects `/metrics` at the root, OpenAI's clients `/v1/...`.
  app.setGlobalPrefix(GLOBAL_PREFIX, {
    exclude: [
      { path: METRICS_PATH, method: RequestMethod.GET },
      { path: `${OPENAI_PREFIX}/*path`, method: RequestMethod.ALL },
    ],
  });
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  await registerCors(fastify, corsOptions(config.corsOrigins));
  echoRequestId(fastify);
  if (config.role === 'worker') serveOnlyOperations(fastify);
  registerRequestLogging(fastify, app.get<Params>(PARAMS_PROVIDER_TOKEN));
  await registerSecurityHeaders(fastify);
  await registerGenerationRateLimit(fastify, config.generationRateLimitPerMinute);
  registerOpenAiErrorShape(fastify);
  // Uploads (segment images, logos, the font): one file a request, streamed by each route
  // with its own size limit (the largest, 20 MB, is the ceiling here). A JSON body keeps
  // BODY_LIMIT_BYTES; a multipart body is never buffered, so that limit does not apply to it.
  // Its request hooks run only on routes a body can reach (multipart.ts).
  await registerMultipart(fastify, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, parts: 21 },
  });
  // `/media/`, read-only: segment audio through the AudioStorage port, uploads from their store.
  await registerMediaRoute(fastify, {
    layout: app.get(MediaLayout),
    audio: app.get(AudioStorage),
    uploads: app.get(MediaUploadStore),
  });
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
