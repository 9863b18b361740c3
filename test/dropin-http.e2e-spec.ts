import { UNKNOWN_ID } from './support/story-api';
import { startTestApp, useTestApp } from './support/test-app';

/**
 * What StoryFlow's frontend needs of the HTTP layer beyond the routes themselves: CORS for a
 * single-page app on another origin (only a browser enforces it; the Chromium test in
 * test/browser/cross-origin.e2e-spec.ts drives it for real), the 501 video routes, and the
 * answers Fastify's router gives before any hook runs.
 */
describe('Drop-in HTTP surface (e2e)', () => {
  const FRONTEND = 'http://localhost:3000';
  const t = useTestApp();
  const http = t.http;

  const preflight = (url: string, method: string, origin = FRONTEND, headers = 'content-type') =>
    t.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': headers,
      },
    });

  describe('CORS', () => {
    it.each([
      ['GET', '/api/projects/'],
      ['POST', '/api/projects/import/'],
      ['PATCH', `/api/segments/${UNKNOWN_ID}/`],
      ['DELETE', `/api/segments/${UNKNOWN_ID}/`],
      ['DELETE', `/api/projects/${UNKNOWN_ID}/`],
      ['PATCH', '/api/settings/'],
      ['POST', '/api/settings/logos/'],
    ])(
      'a preflight of %s %s from the frontend is allowed, cached two hours',
      async (method, url) => {
        const res = await preflight(url, method);
        expect(res.statusCode).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(FRONTEND);
        expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toEqual([
          'GET',
          'HEAD',
          'POST',
          'PATCH',
          'DELETE',
          'OPTIONS',
        ]);
        expect(String(res.headers['access-control-allow-headers']).split(/,\s*/)).toContain(
          'content-type',
        );
        expect(res.headers['access-control-max-age']).toBe('7200');
      },
    );

    it('conditional polls and range requests may send their headers', async () => {
      const res = await preflight('/api/tasks/x/status/', 'GET', FRONTEND, 'if-none-match,range');
      expect(String(res.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(
        expect.arrayContaining(['if-none-match', 'range', 'x-request-id']),
      );
    });

    it('an answer exposes the headers a client reads', async () => {
      const res = await http.get('/api/projects/', { origin: FRONTEND });
      expect(res.headers['access-control-allow-origin']).toBe(FRONTEND);
      expect(String(res.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(
        expect.arrayContaining([
          'etag',
          'retry-after',
          'x-request-id',
          'content-disposition',
          'content-range',
        ]),
      );
    });

    it.each(['http://localhost:3001', 'http://evil.example', 'null'])(
      'an unlisted origin (%s) gets no Access-Control-Allow-Origin, preflight or not',
      async (origin) => {
        const pre = await preflight(`/api/segments/${UNKNOWN_ID}/`, 'PATCH', origin);
        expect(pre.headers['access-control-allow-origin']).toBeUndefined();
        const res = await http.get('/api/projects/', { origin });
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      },
    );

    it('CORS_ORIGINS lists the allowed origins', async () => {
      const other = await startTestApp({
        env: { CORS_ORIGINS: 'http://a.test:1, http://b.test:2' },
      });
      try {
        for (const origin of ['http://a.test:1', 'http://b.test:2']) {
          const res = await other.app.inject({
            method: 'OPTIONS',
            url: '/api/settings/',
            headers: { origin, 'access-control-request-method': 'PATCH' },
          });
          expect(res.headers['access-control-allow-origin']).toBe(origin);
        }
        const res = await other.app.inject({
          method: 'GET',
          url: '/api/settings/',
          headers: { origin: FRONTEND },
        });
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });

  describe('video routes: 501', () => {
    const VIDEO = { error: 'Video rendering is not part of this service' };
    it.each([
      ['POST', `/api/projects/${UNKNOWN_ID}/render/`],
      ['POST', `/api/projects/${UNKNOWN_ID}/render`],
      ['GET', `/api/projects/${UNKNOWN_ID}/status/`],
      ['POST', `/api/projects/${UNKNOWN_ID}/cancel-render/`],
      ['GET', '/api/gallery/'],
      ['GET', '/api/gallery'],
      ['GET', `/api/gallery/${UNKNOWN_ID}/stream/`],
      ['GET', `/api/gallery/${UNKNOWN_ID}/download/`],
      ['DELETE', `/api/gallery/${UNKNOWN_ID}/`],
    ] as const)('%s %s', async (method, url) => {
      const res = await t.app.inject({ method, url, headers: { origin: FRONTEND } });
      expect(res.statusCode).toBe(501);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual(VIDEO);
      expect(res.headers['access-control-allow-origin']).toBe(FRONTEND);
    });
  });

  describe("answers given by Fastify's router before any hook", () => {
    it.each(['%ED%A0%80', '%ff', '%E0%A4%A', 'ok%C0%AF'])(
      'an undecodable task id (%s) is exactly the task 404',
      async (id) => {
        for (const url of [
          `/api/tasks/${id}/status/`,
          `/api/tasks/${id}/status`,
          `/api/tasks/${id}/events/`,
          `/api/tasks/${id}/status/?x=1`,
        ]) {
          const res = await t.app.inject({ method: 'GET', url });
          expect(res.statusCode).toBe(404);
          expect(res.body).toBe('{"error":"Task not found"}');
        }
        const cancel = await t.app.inject({ method: 'POST', url: `/api/tasks/${id}/cancel/` });
        expect(cancel.body).toBe('{"error":"Task not found"}');
      },
    );

    it('an undecodable path elsewhere is the usual 404', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/projects/%ff/' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Not found' });
    });

    it.each([
      ['undecodable', '/api/tasks/%ED%A0%80/status/', 404],
      ['over-long', `/api/tasks/${'x'.repeat(5000)}/status/`, 414],
    ])(
      'the %s URL answer carries the security headers and the request id',
      async (_, url, code) => {
        const res = await t.app.inject({
          method: 'GET',
          url,
          headers: { 'x-request-id': 'support-42' },
        });
        expect(res.statusCode).toBe(code);
        expect(res.headers['x-request-id']).toBe('support-42');
        expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        const fresh = await t.app.inject({ method: 'GET', url });
        expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      },
    );

    it('the web page has a favicon', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect((await t.app.inject({ method: 'GET', url: '/' })).body).toContain(
        '<link rel="icon" href="/favicon.svg"',
      );
    });
  });
});
