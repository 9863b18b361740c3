import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SynthesisAbortedError } from '../src/audio/engine/tts-engine.errors';
import type {
  SynthesisOptions,
  SynthesisRequest,
  SynthesisResult,
} from '../src/audio/engine/tts.engine';
import { TtsEngine } from '../src/audio/engine/tts.engine';
import { loadAppConfig } from '../src/config/app.config';
import { MIGRATIONS } from '../src/database/migrations';
import { FakeTtsEngine } from './support/engines';
import { createTestDatabase, testDatabaseMode } from './support/postgres';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { api } from './support/story-api';
import { taskFinished } from './support/tasks';
import { startTestApp, useTestApp } from './support/test-app';

/**
 * The database behind the whole service (issue 13), on the database of this jest project: the
 * SQLite file in `e2e`, a fresh PostgreSQL database per app in `e2e-postgres`. Tests that only
 * PostgreSQL can pass (a lock held by another connection, two processes on one database) run
 * in `e2e-postgres` only.
 */
const mode = testDatabaseMode();
const postgresOnly = mode === 'postgres' ? describe : describe.skip;

describe('DATABASE_URL (configuration)', () => {
  const base = { DATA_DIR: '/tmp/storyflow-config-test' };

  it('absent: the SQLite file under DATA_DIR', () => {
    expect(loadAppConfig(base).database).toEqual({
      dialect: 'sqlite',
      file: '/tmp/storyflow-config-test/storyflow.db',
    });
  });

  it('postgres:// or postgresql://: that server through a pool', () => {
    for (const url of ['postgres://u:p@db:5432/sf', 'postgresql://db/sf?sslmode=disable']) {
      expect(loadAppConfig({ ...base, DATABASE_URL: url }).database).toEqual({
        dialect: 'postgres',
        url,
        poolMax: 10,
      });
    }
    expect(
      loadAppConfig({ ...base, DATABASE_URL: 'postgres://db/sf', DATABASE_POOL_MAX: '3' }).database,
    ).toMatchObject({ poolMax: 3 });
  });

  it('anything else stops the start with a message naming the variable, never its value', () => {
    for (const url of ['mysql://root:hunter2@db/sf', 'sqlite:///data/x.db', 'hunter2']) {
      let message = '';
      try {
        loadAppConfig({ ...base, DATABASE_URL: url });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/DATABASE_URL=\(not shown\): must be a postgres:\/\//);
      expect(message).not.toContain('hunter2');
    }
  });
});

describe(`concurrent writers of one project on ${mode} (e2e)`, () => {
  const t = useTestApp();

  it('20 concurrent imports and appends: contiguous, unique sequence_index, no 5xx', async () => {
    const { http } = t;
    const project = await http.importProject(['first']);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? http.post(`/api/projects/${project.id}/import-segments/`, {
              format: 'json',
              segments: [{ text_content: `import ${i} a` }, { text_content: `import ${i} b` }],
            })
          : http.post('/api/segments/', { project: project.id, text_content: `append ${i}` }),
      ),
    );
    expect(responses.map((res) => res.statusCode)).toEqual(Array(20).fill(201));
    const detail = (await http.get(`/api/projects/${project.id}/`)).json();
    const positions = detail.segments.map((s: { sequence_index: number }) => s.sequence_index);
    expect(positions).toEqual(Array.from({ length: 31 }, (_, i) => i));
    // Each import's two segments are adjacent and in order: appends never interleave.
    for (let i = 0; i < 20; i += 2) {
      const texts = detail.segments.map((s: { text_content: string }) => s.text_content);
      expect(texts.indexOf(`import ${i} b`)).toBe(texts.indexOf(`import ${i} a`) + 1);
    }
  });

  it('a reorder racing appends either applies or is refused (400), never a 5xx', async () => {
    const { http } = t;
    const project = await http.importProject(['a', 'b', 'c']);
    const order = [...project.segments].reverse().map((s) => s.id);
    const responses = await Promise.all([
      http.post('/api/segments/', { project: project.id, text_content: 'late 1' }),
      http.post('/api/segments/reorder/', { project_id: project.id, segment_order: order }),
      http.post('/api/segments/', { project: project.id, text_content: 'late 2' }),
    ]);
    for (const res of responses) expect(res.statusCode).toBeLessThan(500);
    const positions = (await http.get(`/api/projects/${project.id}/`))
      .json()
      .segments.map((s: { sequence_index: number }) => s.sequence_index);
    expect(positions).toEqual([0, 1, 2, 3, 4]);
  });
});

/** The fake engine, except that a text containing "hang" waits until it is aborted. */
class HangingEngine extends FakeTtsEngine {
  override synthesize(
    request: SynthesisRequest,
    options: SynthesisOptions = {},
  ): Promise<SynthesisResult> {
    if (!request.text.includes('hang')) return super.synthesize(request, options);
    return new Promise((_, reject) => {
      const abort = () => reject(new SynthesisAbortedError());
      if (options.signal?.aborted) abort();
      options.signal?.addEventListener('abort', abort, { once: true });
    });
  }
}

describe(`restart on the same ${mode} database (e2e)`, () => {
  it('keeps projects, segments, settings and finished tasks; a task cut by the stop is FAILED', async () => {
    const engine = { provide: TtsEngine, useValue: new HangingEngine() };
    const first = await startTestApp({ env: { SHUTDOWN_GRACE_SECONDS: '0' }, overrides: [engine] });
    const http = api(first.app);
    const done = await http.importProject(['one', 'two']);
    const finishedTask = (await http.post(`/api/projects/${done.id}/generate-all-audio/`)).json();
    expect((await taskFinished(first.app, finishedTask.task_id)).status).toBe('COMPLETED');
    const stuck = await http.importProject(['hang here']);
    const running = (await http.post(`/api/projects/${stuck.id}/generate-all-audio/`)).json();
    expect(running.status).toBe('PENDING');
    expect(
      (await http.patch('/api/settings/', { tts_speed: 1.3, subtitles_enabled: false })).statusCode,
    ).toBe(200);
    const before = {
      projects: (await http.get('/api/projects/')).body,
      done: (await http.get(`/api/projects/${done.id}/`)).body,
      settings: (await http.get('/api/settings/')).body,
      finished: (await http.get(`/api/tasks/${finishedTask.task_id}/status/`)).body,
    };
    await first.close({ keepData: true });

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      const http2 = api(second.app);
      expect((await http2.get('/api/projects/')).body).toBe(before.projects);
      expect((await http2.get(`/api/projects/${done.id}/`)).body).toBe(before.done);
      expect((await http2.get('/api/settings/')).body).toBe(before.settings);
      expect((await http2.get('/api/settings/')).json()).toMatchObject({
        tts_speed: 1.3,
        subtitles_enabled: false,
      });
      expect((await http2.get(`/api/tasks/${finishedTask.task_id}/status/`)).body).toBe(
        before.finished,
      );
      const cut = (await http2.get(`/api/tasks/${running.task_id}/status/`)).json();
      expect(cut.status).toBe('FAILED');
      expect(cut.errors).toContainEqual({
        segment_id: null,
        error: expect.stringMatching(/^Interrupted by server (shutdown|restart)$/),
      });
    } finally {
      await second.close();
    }
  });
});

postgresOnly('PostgreSQL: health and pool metrics (e2e)', () => {
  const t = useTestApp();

  it('/metrics shows the pool: in use, idle, waiting', async () => {
    await t.http.get('/api/projects/');
    const body = (await t.http.get('/metrics')).body;
    for (const state of ['in_use', 'idle', 'waiting']) {
      expect(body).toMatch(
        new RegExp(`^storyflow_database_pool_connections\\{state="${state}"\\} \\d+$`, 'm'),
      );
    }
  });

  it('/api/health/ checks the PostgreSQL database: 503 while it refuses connections, 200 again after', async () => {
    expect((await t.http.get('/api/health/')).json().details.database).toEqual({ status: 'up' });
    const name = databaseName(t);
    const admin = new Client({ connectionString: adminUrl(t) });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      const down = await t.http.get('/api/health/');
      expect(down.statusCode).toBe(503);
      expect(down.json().error).toBe('Service unhealthy: database');
      expect(down.json().details.details.database).toEqual({
        status: 'down',
        message: 'Database query failed',
      });
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      const up = await t.http.get('/api/health/');
      expect(up.statusCode).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
  });
});

postgresOnly('PostgreSQL: no stall while another connection holds a row lock (e2e)', () => {
  const t = useTestApp();

  it('status polls answer while a segment row is locked for 2 s; the writer of that row waits', async () => {
    const { http } = t;
    const project = await http.importProject(['locked row', 'other']);
    const task = (await http.post(`/api/projects/${project.id}/generate-all-audio/`)).json();
    await taskFinished(t.app, task.task_id);
    const segmentId = project.segments[0].id;
    await t.app.listen(0, '127.0.0.1');
    const address = t.app.getHttpServer().address() as { port: number };
    const statusUrl = `http://127.0.0.1:${address.port}/api/tasks/${task.task_id}/status/`;

    const locker = new Client({ connectionString: databaseUrl(t) });
    await locker.connect();
    const events: string[] = [];
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM segments WHERE id = $1 FOR UPDATE', [segmentId]);
      events.push('locked');
      // A writer of the locked row: it must wait for the lock (this proves the lock bites).
      const patch = http
        .patch(`/api/segments/${segmentId}/`, { text_content: 'edited while locked' })
        .then((res) => {
          events.push(`patch ${res.statusCode}`);
          return res;
        });
      const release = new Promise<void>((resolve) => setTimeout(resolve, 2000)).then(async () => {
        events.push('released');
        await locker.query('COMMIT');
      });
      // Polls over real HTTP to the same server meanwhile, one after another.
      const latencies: number[] = [];
      let released = false;
      void release.then(() => (released = true));
      while (!released) {
        const started = process.hrtime.bigint();
        const res = await fetch(statusUrl);
        await res.arrayBuffer();
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(res.status).toBe(200);
        if (!released) events.push('poll');
      }
      await release;
      expect((await patch).statusCode).toBe(200);
      // Every poll answered while the lock was held; the patch only after the release.
      expect(events.indexOf('released')).toBeLessThan(events.indexOf('patch 200'));
      expect(events.filter((e) => e === 'poll').length).toBeGreaterThan(0);
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
      // Reported, not asserted: a number for the note.
      process.stdout.write(
        `[no-stall] ${latencies.length} status polls while a segment row was locked for 2 s: ` +
          `p50 ${latencies[Math.floor(latencies.length / 2)].toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
          `max ${latencies[latencies.length - 1].toFixed(2)} ms\n`,
      );
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });
});

postgresOnly(
  'PostgreSQL: two service processes starting at once on an empty database (e2e)',
  () => {
    it('both start, the migrations run once; a task of a killed process is FAILED by the next start', async () => {
      const database = await createTestDatabase('two_processes');
      const servers: ServerProcess[] = [];
      try {
        const env = { DATABASE_URL: database.url, TTS_WORKERS: '1', LOG_LEVEL: 'info' };
        const started = await Promise.all([
          startServerProcess({ ...env, DATA_DIR: tmpDataDir() }),
          startServerProcess({ ...env, DATA_DIR: tmpDataDir() }),
        ]);
        servers.push(...started);
        const [a, b] = started;
        const applied = (server: ServerProcess) =>
          (server.output().match(/Applied migration \d+_\w+/g) ?? []).sort();
        // Each migration applied exactly once, by one of the two processes.
        expect([...applied(a), ...applied(b)].sort()).toEqual(
          Object.keys(MIGRATIONS).map((name) => `Applied migration ${name}`),
        );
        const names = await queryRows(
          database.url,
          'SELECT name FROM kysely_migration ORDER BY name',
        );
        expect(names.map((row) => row.name)).toEqual(Object.keys(MIGRATIONS));

        // One database, two processes: what one writes, the other reads.
        const created = await fetch(`${a.baseUrl}/api/projects/import/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            format: 'json',
            title: 'Shared',
            segments: Array.from({ length: 40 }, (_, i) => ({
              text_content: `Sentence number ${i} of a long enough story to keep the engine busy for a while.`,
            })),
          }),
        });
        expect(created.status).toBe(201);
        const project = (await created.json()) as { id: string };
        const seen = await fetch(`${b.baseUrl}/api/projects/${project.id}/`);
        expect(seen.status).toBe(200);

        // A batch on A, killed mid-run: B leaves it alone (A's pid may still run for all B
        // knows at its start); a start after A is gone marks it as the contract says.
        const batch = (await (
          await fetch(`${a.baseUrl}/api/projects/${project.id}/generate-all-audio/`, {
            method: 'POST',
          })
        ).json()) as { task_id: string };
        for (;;) {
          const status = (await (
            await fetch(`${a.baseUrl}/api/tasks/${batch.task_id}/status/`)
          ).json()) as { completed_segments: unknown[] };
          if (status.completed_segments.length >= 1) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        a.child.kill('SIGKILL');
        await a.exited;

        const third = await startTestApp({ env: { DATABASE_URL: database.url } });
        try {
          const status = (await api(third.app).get(`/api/tasks/${batch.task_id}/status/`)).json();
          expect(status.status).toBe('FAILED');
          expect(status.errors).toContainEqual({
            segment_id: null,
            error: 'Interrupted by server restart',
          });
          expect(status.completed_segments.length).toBeGreaterThanOrEqual(1);
        } finally {
          await third.close();
        }
      } finally {
        for (const server of servers) {
          if (server.child.exitCode === null && server.child.signalCode === null) {
            server.child.kill('SIGTERM');
            await server.exited;
          }
        }
        await database.drop();
      }
    });
  },
);

function tmpDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'storyflow-proc-'));
}

/** The PostgreSQL database of a test app (e2e-postgres only). */
function databaseUrl(t: { databaseUrl: string | null }): string {
  if (!t.databaseUrl) throw new Error('this test app runs on SQLite');
  return t.databaseUrl;
}

function databaseName(t: { databaseUrl: string | null }): string {
  return new URL(databaseUrl(t)).pathname.slice(1);
}

/** The same server, its `postgres` maintenance database. */
function adminUrl(t: { databaseUrl: string | null }): string {
  const url = new URL(databaseUrl(t));
  url.pathname = '/postgres';
  return url.toString();
}

async function queryRows(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}
