import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TtsEngine } from '../../src/audio/engine/tts.engine';
import { createApp, type ProviderOverride } from '../../src/app.setup';
import { type AppConfig, loadAppConfig } from '../../src/config/app.config';
import { FakeTtsEngine } from './engines';
import { createTestDatabase, type TestDatabase, testDatabaseMode } from './postgres';
import { api } from './story-api';

export type { ProviderOverride };

export interface TestAppOptions {
  /** Environment variables on top of the test defaults (`TTS_WORKERS=2`, a fresh DATA_DIR). */
  env?: Record<string, string>;
  /** Providers to replace; an override of `TtsEngine` wins over `engine`. */
  overrides?: ProviderOverride[];
  /**
   * `fake` (the default): an instant in-process engine, for tests whose subject is not audio.
   * `real`: the configured engine with its worker pool, for audio, fault and browser tests.
   */
  engine?: 'fake' | 'real';
}

export interface TestApp {
  app: NestFastifyApplication;
  dataDir: string;
  /** `sqlite`, or `postgres` in the e2e-postgres project (or when `env.DATABASE_URL` is set). */
  database: 'sqlite' | 'postgres';
  /** Its DATABASE_URL in the PostgreSQL mode, else null. */
  databaseUrl: string | null;
  /** Closes the app; removes the data folder (and drops its PostgreSQL database) unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * The configuration of a test app: the variables of the test process (NODE_ENV=test keeps the
 * logs silent; a matrix run may set more) with the test defaults and `env` on top. Nothing is
 * written to `process.env`.
 */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadAppConfig({ ...process.env, TTS_WORKERS: '2', ...env });
}

/**
 * PostgreSQL runs: the database of each DATA_DIR, so that a restart on the same DATA_DIR (the
 * way tests restart) finds the same database.
 */
const databasesByDataDir = new Map<string, TestDatabase>();

/**
 * Boots the real AppModule on the real Fastify adapter through the same `createApp` as
 * main.ts, on a fresh temporary DATA_DIR (or `env.DATA_DIR`, to test restarts). In the
 * e2e-postgres project, on a fresh PostgreSQL database too (DATABASE_URL), the same one again
 * for the same DATA_DIR. For a test that boots and closes by itself (restarts); otherwise use
 * `useTestApp`.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const env = { ...(options.env ?? {}) };
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'storyflow-test-'));
  let database = databasesByDataDir.get(dataDir);
  if (!database && env.DATABASE_URL === undefined && testDatabaseMode() === 'postgres') {
    database = await createTestDatabase();
    databasesByDataDir.set(dataDir, database);
  }
  if (database && env.DATABASE_URL === undefined) env.DATABASE_URL = database.url;
  const overrides = [...(options.overrides ?? [])];
  if ((options.engine ?? 'fake') === 'fake' && !overrides.some((o) => o.provide === TtsEngine)) {
    overrides.push({ provide: TtsEngine, useValue: new FakeTtsEngine() });
  }
  const app = await createApp({
    config: testConfig({ ...env, DATA_DIR: dataDir }),
    overrides,
    logger: false,
  });
  allowSseOverInject(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    dataDir,
    database: env.DATABASE_URL ? 'postgres' : 'sqlite',
    databaseUrl: env.DATABASE_URL ?? null,
    async close(closeOptions = {}) {
      await app.close();
      if (!closeOptions.keepData) {
        rmSync(dataDir, { recursive: true, force: true });
        const owned = databasesByDataDir.get(dataDir);
        databasesByDataDir.delete(dataDir);
        await owned?.drop();
      }
    },
  };
}

/** The app of the enclosing `describe`, booted in its `beforeAll` and closed in its `afterAll`. */
export interface UsedTestApp {
  readonly app: NestFastifyApplication;
  readonly dataDir: string;
  /** Its DATABASE_URL in the PostgreSQL mode, else null. */
  readonly databaseUrl: string | null;
  /** The HTTP helpers of `story-api` on this app (usable in the block body: calls resolve the app). */
  readonly http: ReturnType<typeof api>;
}

/**
 * Registers `beforeAll` (boot, see `startTestApp`) and `afterAll` (close, data removed) in the
 * calling `describe` block; the returned object reads the running app. Call it before the
 * block's own `beforeAll`, which then runs on the booted app.
 */
export function useTestApp(options: TestAppOptions = {}): UsedTestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await startTestApp(options);
  });
  afterAll(async () => {
    await current?.close();
    current = undefined;
  });
  const running = () => {
    if (!current) throw new Error('useTestApp: the app runs only inside the tests of its block');
    return current;
  };
  const http = api(() => running().app);
  return {
    get app() {
      return running().app;
    },
    get dataDir() {
      return running().dataDir;
    },
    get databaseUrl() {
      return running().databaseUrl;
    },
    http,
  };
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
