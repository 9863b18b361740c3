import { HealthIndicatorService } from '@nestjs/terminus';
import { TtsEngine } from '../src/audio/engine/tts.engine';
import type { Database } from '../src/database/database.constants';
import { DatabaseHealthIndicator } from '../src/health/database.health';
import { api } from './support/story-api';
import { brokenEngine } from './support/engines';
import { useTestApp } from './support/test-app';

const UP_DISK = { status: 'up', free_mb: expect.any(Number), min_free_mb: 100 };

describe('GET /api/health/ (e2e)', () => {
  const t = useTestApp();
  beforeAll(async () => {
    // The engine warms up in the background after a start; wait for it (shared start).
    await t.app.get(TtsEngine).start();
  });

  it('200 with the database, engine and disk checks up', async () => {
    for (const url of ['/api/health/', '/api/health']) {
      const res = await api(t.app).get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toMatch(/no-cache/);
      const info = {
        database: { status: 'up' },
        engine: { status: 'up', engine: 'fake', files: [], workers: 2, busy: 0, queued: 0 },
        disk: UP_DISK,
      };
      expect(res.json()).toEqual({ status: 'ok', info, error: {}, details: info });
    }
  });
});

describe('GET /api/health/ with the engine down (e2e)', () => {
  const t = useTestApp({ overrides: [brokenEngine] });
  it('503 in the error shape, with the full report under details', async () => {
    const res = await api(t.app).get('/api/health/');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const engine = {
      status: 'down',
      message: 'Speech engine is not available',
      engine: 'unknown',
      files: [],
      workers: 0,
    };
    expect(res.json()).toEqual({
      error: 'Service unhealthy: engine',
      details: {
        status: 'error',
        info: { database: { status: 'up' }, disk: UP_DISK },
        error: { engine },
        details: { database: { status: 'up' }, engine, disk: UP_DISK },
      },
    });
  });
});

describe('GET /api/health/ with too little free disk (e2e)', () => {
  // 100 TB: no test machine has that much free.
  const t = useTestApp({ env: { HEALTH_MIN_FREE_DISK_MB: String(100 * 1024 * 1024) } });
  beforeAll(async () => {
    await t.app.get(TtsEngine).start();
  });

  it('503 naming the disk, without the data folder path', async () => {
    const res = await api(t.app).get('/api/health/');
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.error).toBe('Service unhealthy: disk');
    expect(body.details.error).toEqual({
      disk: {
        status: 'down',
        message: 'Free disk space is below the threshold',
        free_mb: expect.any(Number),
        min_free_mb: 100 * 1024 * 1024,
      },
    });
    expect(body.details.info.engine.status).toBe('up');
    expect(res.body).not.toContain(t.dataDir);
  });
});

describe('DatabaseHealthIndicator', () => {
  it('is down, without the driver message, when the query fails', async () => {
    const db = {
      getExecutor: () => {
        throw new Error('SQLITE_CANTOPEN: /secret/storyflow.db');
      },
    } as unknown as Database;
    const result = await new DatabaseHealthIndicator(db, new HealthIndicatorService()).check(
      'database',
    );
    expect(result).toEqual({ database: { status: 'down', message: 'Database query failed' } });
  });
});
