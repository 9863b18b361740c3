import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TaskEventBus } from '../src/tasks/events/task-event.bus';
import { TaskManagerService } from '../src/tasks/task-manager.service';
import { SSE_HEARTBEAT_MS } from '../src/tasks/task-status.controller';
import { type UsedTestApp, useTestApp } from './support/test-app';

/** Parses a text/event-stream body into its events. */
function parseSse(body: string): { event: string; data: string }[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines
          .filter((l) => l.startsWith(`${name}:`))
          .map((l) => l.slice(name.length + 1).trimStart())
          .join('\n');
      return { event: field('event'), data: field('data') };
    });
}

describe('task lifecycle beyond polling (e2e)', () => {
  const t = useTestApp();
  let tasks: TaskManagerService;
  beforeAll(async () => {
    tasks = t.app.get(TaskManagerService);
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });

  describe('cheap polls', () => {
    it('carries a strong ETag, no-cache and Retry-After while unfinished; 304 on If-None-Match', async () => {
      await tasks.create('etag_1', { total: 2 });
      const first = await get('/api/tasks/etag_1/status/');
      expect(first.statusCode).toBe(200);
      expect(first.headers.etag).toMatch(/^"[^"]+"$/);
      expect(first.headers['cache-control']).toBe('no-cache');
      expect(first.headers['retry-after']).toBe('2');

      const again = await get('/api/tasks/etag_1/status/', {
        'if-none-match': first.headers.etag as string,
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(first.headers.etag);

      await tasks.start('etag_1');
      const changed = await get('/api/tasks/etag_1/status/', {
        'if-none-match': first.headers.etag as string,
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).not.toBe(first.headers.etag);
      expect(changed.json().status).toBe('PROCESSING');

      await tasks.complete('etag_1');
      const done = await get('/api/tasks/etag_1/status/');
      expect(done.headers['retry-after']).toBeUndefined();
      expect(done.json().status).toBe('COMPLETED');
    });

    it('ETags are never shared across tasks, even with identical state', async () => {
      await tasks.create('etag_a', { total: 1 });
      await tasks.create('etag_b', { total: 1 });
      const a = await get('/api/tasks/etag_a/status/');
      const b = await get('/api/tasks/etag_b/status/');
      expect(a.headers.etag).not.toBe(b.headers.etag);
      const cross = await get('/api/tasks/etag_b/status/', {
        'if-none-match': a.headers.etag as string,
      });
      expect(cross.statusCode).toBe(200);
    });
  });

  describe('live stream', () => {
    it('unknown id: 404 JSON', async () => {
      const res = await get('/api/tasks/nope/events/');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Task not found' });
    });

    it('a finished task: its terminal snapshot, then the stream ends (inject)', async () => {
      await tasks.create('sse_done', { total: 0 });
      await tasks.finish('sse_done');
      const res = await get('/api/tasks/sse_done/events');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = parseSse(res.body);
      expect(events).toHaveLength(1);
      expect(events[0].event).toBe('status');
      expect(JSON.parse(events[0].data)).toMatchObject({
        task_id: 'sse_done',
        status: 'COMPLETED',
      });
    });

    it('streams every change to several real HTTP clients and ends after the terminal one', async () => {
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      await tasks.create('sse_live', { total: 2 });

      const collect = () =>
        new Promise<{ event: string; data: string }[]>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, path: '/api/tasks/sse_live/events/' },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => resolve(parseSse(body)));
            },
          );
          req.on('error', reject);
          req.end();
        });
      const clients = [collect(), collect(), collect()];
      // Wait until the three subscribers are registered (each received its first snapshot).
      await waitFor(() => watcherCount(t.app, 'sse_live') === 3);

      await tasks.start('sse_live');
      await tasks.setProgress('sse_live', { current: 1, currentSegmentId: 's1' });
      await tasks.addCompletedSegment('sse_live', {
        segment_id: 's1',
        audio_url: '/m/s1.wav',
        duration: 1,
      });
      await tasks.complete('sse_live');

      for (const events of await Promise.all(clients)) {
        const statuses = events.filter((e) => e.event === 'status').map((e) => JSON.parse(e.data));
        expect(statuses.map((s) => s.status)).toEqual([
          'PENDING',
          'PROCESSING',
          'PROCESSING',
          'PROCESSING',
          'COMPLETED',
        ]);
        expect(statuses[4].completed_segments).toHaveLength(1);
      }
      expect(watcherCount(t.app, 'sse_live')).toBe(0);
    });
  });

  describe('cancel', () => {
    it('202 and FAILED with a Cancelled entry; 409 once terminal; 404 unknown', async () => {
      await tasks.create('cancel_me', { total: 3 });
      await tasks.start('cancel_me');
      const { signal } = await tasks.cancelSignal('cancel_me');
      const res = await t.app.inject({ method: 'POST', url: '/api/tasks/cancel_me/cancel/' });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({
        task_id: 'cancel_me',
        status: 'FAILED',
        errors: [{ segment_id: null, error: 'Cancelled' }],
      });
      expect(signal.aborted).toBe(true);

      const again = await t.app.inject({ method: 'POST', url: '/api/tasks/cancel_me/cancel' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toEqual({ error: 'Task is already FAILED' });

      const unknown = await t.app.inject({ method: 'POST', url: '/api/tasks/nope/cancel/' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({ error: 'Task not found' });
    });
  });
});

function watcherCount(app: UsedTestApp['app'], id: string): number {
  return app.get(TaskEventBus).listenerCount(id);
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SSE heartbeat (e2e)', () => {
  const t = useTestApp({ overrides: [{ provide: SSE_HEARTBEAT_MS, useValue: 50 }] });
  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
  });

  it('sends a comment line while nothing changes, and stops with the stream', async () => {
    const tasks = t.app.get(TaskManagerService);
    await tasks.create('quiet', { total: 1 });
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    let body = '';
    const ended = new Promise<void>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: '/api/tasks/quiet/events/' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          // Two heartbeats seen: finish the task, which ends the stream.
          if (body.split(': heartbeat').length > 2) void tasks.complete('quiet');
        });
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    await ended;
    expect(body).toMatch(/^: heartbeat$/m);
    const statuses = parseSse(body).filter((e) => e.event === 'status');
    expect(statuses.map((e) => JSON.parse(e.data).status)).toEqual(['PENDING', 'COMPLETED']);
  });
});
