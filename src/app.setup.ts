import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app.config';

/** 1 MB: larger bodies get a 413 JSON error. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The Fastify adapter every instance of the app runs on (main.ts and the e2e tests). */
export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Task ids are arbitrary strings, long ones included; the default limit is 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
  });
}

/** Creates the application; `main.ts` and the e2e tests both go through here. */
export async function createApp(
  options: { logger?: false | ('error' | 'warn' | 'log')[] } = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createFastifyAdapter(), {
    logger: options.logger ?? ['error', 'warn', 'log'],
    bufferLogs: false,
  });
  await configureApp(app);
  return app;
}

/**
 * Global prefix, CORS and Swagger. Fastify's own errors (bad JSON, body too large) reach
 * the global ApiExceptionFilter through Nest's error handler, so they share its shape.
 */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  app.setGlobalPrefix('api');
  app.enableCors({ origin: config.corsOrigins });
  app.enableShutdownHooks();

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
