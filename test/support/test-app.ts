import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp, createApp, createFastifyAdapter } from '../../src/app.setup';

/** A provider to replace, as `overrideProvider(token).useValue(value)` does. */
export interface ProviderOverride {
  provide: unknown;
  useValue: unknown;
}

export interface TestApp {
  app: NestFastifyApplication;
  dataDir: string;
  /** Closes the app; removes the data folder unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Boots the real AppModule on the real Fastify adapter through the same `createApp` as
 * main.ts, on a fresh temporary DATA_DIR (or the one given, to test restarts).
 */
export async function bootTestApp(
  env: Record<string, string> = {},
  overrides: ProviderOverride[] = [],
): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'storyflow-test-'));
  const previous = { ...process.env };
  Object.assign(process.env, { TTS_WORKERS: '2', ...env, DATA_DIR: dataDir });
  try {
    const app = overrides.length
      ? await createOverriddenApp(overrides)
      : await createApp({ logger: false });
    allowSseOverInject(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return {
      app,
      dataDir,
      async close(options = {}) {
        await app.close();
        if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } finally {
    process.env = previous;
  }
}

/**
 * Nest's SSE stream tunes the request socket (keep-alive, no delay, no timeout);
 * light-my-request's mock socket has none of those methods, so `inject()` of an @Sse
 * route would fail. Give the mock socket no-op versions; real sockets are untouched.
 */
function allowSseOverInject(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => {
      const socket = request.raw.socket as unknown as Record<string, unknown>;
      for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout']) {
        if (typeof socket[method] !== 'function') socket[method] = () => socket;
      }
      done();
    });
}

/** The same app as createApp(), with some providers replaced (fakes of an engine, say). */
async function createOverriddenApp(overrides: ProviderOverride[]): Promise<NestFastifyApplication> {
  let builder = Test.createTestingModule({ imports: [AppModule] });
  for (const { provide, useValue } of overrides) {
    builder = builder.overrideProvider(provide).useValue(useValue);
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), {
    logger: false,
  });
  await configureApp(app);
  return app;
}
