import { TaskManagerService } from '../src/tasks/task-manager.service';
import { api } from './support/story-api';
import { startTestApp, type TestApp, useTestApp } from './support/test-app';

/**
 * The status poll is served straight from Fastify (serveDirectly, docs/PERFORMANCE.md §1):
 * what Nest's pipeline would otherwise give it must still be there.
 */
describe('status poll outside the happy path (e2e)', () => {
  let t: TestApp;
  const failing = new Error('task table on fire');
  beforeAll(async () => {
    // The manager is an async façade: getView rejects (the status handler awaits it).
    const broken = {
      // As a shared store: the view is read asynchronously (getView), but for this one id,
      // whose synchronous read throws.
      viewNow: (taskId: string) => {
        if (taskId === 'throws-now') throw failing;
        return undefined;
      },
      getView: async () => {
        throw failing;
      },
      isTerminal: () => false,
      counts: async () => ({}),
      list: async () => [],
      restore: async () => undefined,
    };
    t = await startTestApp({ overrides: [{ provide: TaskManagerService, useValue: broken }] });
  });
  afterAll(() => t.close());

  it.each(['any-task', 'throws-now'])(
    'an unexpected failure (%s) is the global 500 JSON, with security headers and the request id',
    async (taskId) => {
      const res = await api(t.app).get(`/api/tasks/${taskId}/status/`, {
        'x-request-id': 'poll-500',
      });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toBe('{"error":"Internal server error"}');
      expect(res.body).not.toContain('on fire');
      expect(res.headers['x-request-id']).toBe('poll-500');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    },
  );
});

/**
 * Everything the contract puts on a poll's answer, 200 and 304, however the poll path writes
 * its headers: the same security and CORS headers as any other API answer, the request id,
 * ETag, Cache-Control, and Retry-After while the task runs.
 */
describe('status poll headers (e2e)', () => {
  const FRONTEND = 'http://localhost:3000';
  const t = useTestApp();
  /** Headers every API answer has, as another route gives them to the same origin. */
  const common = async (origin?: string) => {
    const res = await api(t.app).get('/api/settings/', origin ? { origin } : undefined);
    expect(res.statusCode).toBe(200);
    const perAnswer = new Set(['content-length', 'content-type', 'etag', 'date', 'connection']);
    perAnswer.add('x-request-id').add('cache-control').add('keep-alive');
    return Object.fromEntries(Object.entries(res.headers).filter(([name]) => !perAnswer.has(name)));
  };
  const poll = (taskId: string, headers: Record<string, string> = {}) =>
    api(t.app).get(`/api/tasks/${encodeURIComponent(taskId)}/status/`, headers);

  it.each([
    ['from the frontend', FRONTEND],
    ['from an unlisted origin', 'http://evil.example'],
    ['without an Origin', undefined],
  ])(
    '200 and 304 %s carry the API headers, the request id and the caching headers',
    async (_, origin) => {
      const tasks = t.app.get(TaskManagerService);
      const taskId = `poll_headers_${origin ?? 'none'}`;
      await tasks.create(taskId, { total: 2 });
      const expected = await common(origin);
      expect(expected['content-security-policy']).toContain("default-src 'none'");
      if (origin === FRONTEND) expect(expected['access-control-allow-origin']).toBe(FRONTEND);
      else expect(expected['access-control-allow-origin']).toBeUndefined();
      const asked = { ...(origin && { origin }), 'x-request-id': 'poll-7' };

      const ok = await poll(taskId, asked);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers).toMatchObject(expected);
      expect(ok.headers['x-request-id']).toBe('poll-7');
      expect(ok.headers['cache-control']).toBe('no-cache');
      expect(ok.headers['retry-after']).toBe('2');
      expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(ok.headers['content-length'])).toBe(Buffer.byteLength(ok.body));
      const etag = ok.headers.etag as string;
      expect(etag).toMatch(/^"[^"]+"$/);

      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const same = await poll(taskId, { ...asked, 'if-none-match': ifNoneMatch });
        expect(same.statusCode).toBe(304);
        expect(same.body).toBe('');
        expect(same.headers).toMatchObject(expected);
        expect(same.headers).toMatchObject({
          etag,
          'cache-control': 'no-cache',
          'retry-after': '2',
        });
        expect(same.headers['x-request-id']).toBe('poll-7');
        expect(same.headers['content-length']).toBeUndefined();
      }
      const stale = await poll(taskId, { ...asked, 'if-none-match': '"other"' });
      expect(stale.statusCode).toBe(200);
      expect(stale.body).toBe(ok.body);

      await tasks.finish(taskId);
      const done = await poll(taskId, { ...asked, 'if-none-match': etag });
      expect(done.statusCode).toBe(200);
      expect(done.json().status).toBe('COMPLETED');
      expect(done.headers).toMatchObject(expected);
      expect(done.headers.etag).not.toBe(etag);
      expect(done.headers['retry-after']).toBeUndefined(); // finished: no more polls to pace
    },
  );
});
