import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.setup';

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
export async function bootTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'storyflow-test-'));
  const previous = { ...process.env };
  Object.assign(process.env, { TTS_WORKERS: '2', ...env, DATA_DIR: dataDir });
  try {
    const app = await createApp({ logger: false });
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
