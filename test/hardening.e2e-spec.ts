import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAppConfig } from '../src/config/app.config';
import { SettingsRepository } from '../src/settings/settings.repository';
import { TaskManagerService } from '../src/tasks/task-manager.service';
import { api, UNKNOWN_ID } from './support/story-api';
import { taskFinished } from './support/tasks';
import { useTestApp } from './support/test-app';

const UUID_ANY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The headers @fastify/helmet adds to every answer, whatever the route. */
function expectBaseSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-permitted-cross-domain-policies': 'none',
    'origin-agent-cluster': '?1',
    'x-xss-protection': '0',
  });
  // HSTS is the TLS-terminating proxy's business (README).
  expect(headers['strict-transport-security']).toBeUndefined();
  expect(headers['x-powered-by']).toBeUndefined();
}

/** CSP directives as a map: `default-src 'none'; ...` → { 'default-src': "'none'", ... }. */
function cspOf(headers: Record<string, unknown>): Record<string, string> {
  const header = String(headers['content-security-policy'] ?? '');
  return Object.fromEntries(
    header
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, ...values] = part.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

describe('HTTP hardening (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  describe('security headers (@fastify/helmet)', () => {
    it('a JSON answer: strict policy, no resources allowed, same-origin resource policy', async () => {
      const res = await http.get('/api/projects/');
      expect(res.statusCode).toBe(200);
      expectBaseSecurityHeaders(res.headers);
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(cspOf(res.headers)).toEqual({
        'default-src': "'none'",
        'base-uri': "'none'",
        'form-action': "'none'",
        'frame-ancestors': "'none'",
      });
    });

    it('errors and unknown routes get them too', async () => {
      for (const url of ['/api/nothing-here/', `/api/projects/${UNKNOWN_ID}/`]) {
        const res = await http.get(url);
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expectBaseSecurityHeaders(res.headers);
        expect(cspOf(res.headers)['default-src']).toBe("'none'");
      }
    });

    it('Swagger UI: relaxed just enough (inline styles, data: images), and it still renders', async () => {
      const page = await http.get('/api/docs');
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expectBaseSecurityHeaders(page.headers);
      const csp = cspOf(page.headers);
      expect(csp).toMatchObject({
        'default-src': "'self'",
        'script-src': "'self'",
        'style-src': "'self' 'unsafe-inline'",
        'img-src': "'self' data:",
        'object-src': "'none'",
        'frame-ancestors': "'none'",
      });
      // No inline script on the page, so `script-src 'self'` is enough for it.
      expect(page.body).not.toMatch(/<script>(?!\s*<\/script>)/);
      const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
      expect(scripts).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/swagger-ui-bundle\.js$/),
          expect.stringMatching(/swagger-ui-init\.js$/),
        ]),
      );
      for (const src of scripts) {
        const script = await http.get(new URL(src, 'http://localhost/api/docs').pathname);
        expect(script.statusCode).toBe(200);
        expect(script.headers['content-type']).toMatch(/javascript/);
      }
      const json = await http.get('/api/docs-json');
      expect(json.statusCode).toBe(200);
      expect(json.json().paths['/api/health']).toBeDefined();
      expect(json.json().paths['/metrics']).toBeDefined();
    });

    it('the web page: everything from its own origin, nothing framed', async () => {
      const res = await http.get('/');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expectBaseSecurityHeaders(res.headers);
      const csp = cspOf(res.headers);
      expect(csp['default-src']).toBe("'self'");
      expect(csp['object-src']).toBe("'none'");
      expect(csp['frame-ancestors']).toBe("'none'");
      expect(csp['script-src']).toBeUndefined(); // falls back to 'self': no inline script
    });

    it("media: cross-origin resource policy, so StoryFlow's frontend on :3000 can play it", async () => {
      const project = await http.importProject(['A short line to hear.']);
      const accepted = await http.post(`/api/segments/${project.segments[0].id}/generate-audio/`);
      expect(accepted.statusCode).toBe(202);
      const final = await taskFinished(t.app, accepted.json().task_id);
      const wav = await http.get(final.completed_segments[0].audio_url);
      expect(wav.statusCode).toBe(200);
      expect(wav.headers['content-type']).toBe('audio/wav');
      expectBaseSecurityHeaders(wav.headers);
      expect(wav.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(cspOf(wav.headers)).toMatchObject({ 'default-src': "'none'", 'media-src': "'self'" });
    });

    it('SSE still streams, with the headers', async () => {
      const tasks = t.app.get(TaskManagerService);
      await tasks.create('hardening_sse', { total: 0, labels: {} });
      await tasks.finish('hardening_sse');
      const res = await http.get('/api/tasks/hardening_sse/events/');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.body).toContain('event: status');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('CORS (CORS_ORIGINS, default http://localhost:3000)', () => {
    it('allows the configured origin, preflight included', async () => {
      const res = await http.get('/api/projects/', { origin: 'http://localhost:3000' });
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      // The frontend can read the backoff and the request id of an answer.
      expect(String(res.headers['access-control-expose-headers']).split(/,\s*/)).toEqual(
        expect.arrayContaining(['retry-after', 'x-request-id']),
      );
      const preflight = await t.app.inject({
        method: 'OPTIONS',
        url: '/api/projects/',
        headers: {
          origin: 'http://localhost:3000',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    });

    it('does not allow any other origin', async () => {
      for (const origin of ['http://evil.example', 'http://localhost:3001', 'null']) {
        const res = await http.get('/api/projects/', { origin });
        expect(res.statusCode).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    });
  });

  describe('request ids', () => {
    it('echoes a sane X-Request-Id', async () => {
      const res = await http.get('/api/projects/', { 'x-request-id': 'proxy-7f3a:42' });
      expect(res.headers['x-request-id']).toBe('proxy-7f3a:42');
    });

    it('makes one up when there is none, or when it is not an id', async () => {
      const none = await http.get('/api/projects/');
      const bad = await http.get('/api/nothing/', { 'x-request-id': 'a b <script>' });
      const long = await http.get('/api/projects/', { 'x-request-id': 'x'.repeat(200) });
      for (const res of [none, bad, long]) expect(res.headers['x-request-id']).toMatch(UUID_ANY);
      expect(none.headers['x-request-id']).not.toBe(bad.headers['x-request-id']);
    });
  });
});

describe('rate limit of the generation endpoints (e2e)', () => {
  const t = useTestApp({ env: { RATE_LIMIT_GENERATION_PER_MINUTE: '3' } });
  const post = (app: NestFastifyApplication, url: string, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url, remoteAddress });

  it('the 4th generation request of a minute is a 429 JSON error with Retry-After', async () => {
    const client = '10.1.0.1';
    // One budget for both endpoints, with or without the trailing slash. Unknown ids: the
    // limit applies before the handler, whatever the answer.
    const answers = [
      await post(t.app, `/api/segments/${UNKNOWN_ID}/generate-audio/`, client),
      await post(t.app, `/api/projects/${UNKNOWN_ID}/generate-all-audio`, client),
      await post(t.app, `/api/segments/${UNKNOWN_ID}/generate-audio`, client),
    ];
    expect(answers.map((res) => res.statusCode)).toEqual([404, 404, 404]);
    expect(answers.map((res) => res.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0']);

    for (const url of [
      `/api/projects/${UNKNOWN_ID}/generate-all-audio/`,
      `/api/segments/${UNKNOWN_ID}/generate-audio/`,
    ]) {
      const limited = await post(t.app, url, client);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Object.keys(limited.json())).toEqual(['error']);
      expect(limited.json().error).toMatch(/^Too many generation requests: at most 3 a minute\./);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers['x-ratelimit-limit']).toBe('3');
      expect(limited.headers['x-content-type-options']).toBe('nosniff');
    }

    // Another client has its own budget; other endpoints are not limited.
    expect(
      (await post(t.app, `/api/segments/${UNKNOWN_ID}/generate-audio/`, '10.1.0.2')).statusCode,
    ).toBe(404);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/projects/',
      payload: { title: 'Still allowed' },
      remoteAddress: client,
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('polling is never limited: 300 status requests in a row', async () => {
    const tasks = t.app.get(TaskManagerService);
    await tasks.create('hardening_poll', { total: 1, labels: {} });
    const codes = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/api/tasks/hardening_poll/status/' });
      codes.add(res.statusCode);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect([...codes]).toEqual([200]);
    // The hot path carries the API's security headers too.
    const poll = await t.app.inject({ method: 'GET', url: '/api/tasks/hardening_poll/status/' });
    expectBaseSecurityHeaders(poll.headers);
    expect(cspOf(poll.headers)['default-src']).toBe("'none'");
    const unknown = await t.app.inject({ method: 'GET', url: '/api/tasks/nope/status/' });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('rate limit behind a trusted proxy (e2e)', () => {
  const t = useTestApp({
    env: { RATE_LIMIT_GENERATION_PER_MINUTE: '1', TRUST_PROXY: '127.0.0.1' },
  });

  it('counts per client address from X-Forwarded-For, as the proxy reports it', async () => {
    const generate = (forwardedFor: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/segments/${UNKNOWN_ID}/generate-audio/`,
        headers: { 'x-forwarded-for': forwardedFor },
      });
    expect((await generate('203.0.113.1')).statusCode).toBe(404);
    expect((await generate('203.0.113.2')).statusCode).toBe(404);
    expect((await generate('203.0.113.1')).statusCode).toBe(429);
  });
});

describe('no internals in error answers (e2e)', () => {
  const SECRET_PATH = '/var/lib/storyflow/secret/storyflow.db';
  const failing = new Error(`SQLITE_CORRUPT: database disk image is malformed (${SECRET_PATH})`);
  const brokenSettings = {
    get: () => Promise.reject(failing),
    update: () => Promise.reject(failing),
  };
  const t = useTestApp({ overrides: [{ provide: SettingsRepository, useValue: brokenSettings }] });

  it('an unexpected failure is a 500 with exactly {"error":"Internal server error"}', async () => {
    const res = await api(t.app).get('/api/settings/');
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe('{"error":"Internal server error"}');
    expectBaseSecurityHeaders(res.headers);
    expect(res.headers['x-request-id']).toMatch(UUID_ANY);
  });

  it('the same when the failure happens behind a PATCH with a valid body', async () => {
    const res = await api(t.app).patch('/api/settings/', { tts_speed: 1.5 });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('{"error":"Internal server error"}');
    expect(res.body).not.toContain(SECRET_PATH);
    expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/);
  });
});

describe('configuration of the hardening variables', () => {
  const load = (env: Record<string, string>) => loadAppConfig(env);

  it('defaults: 60 generations a minute, no proxy trusted, 100 MB of free disk', () => {
    expect(load({})).toMatchObject({
      generationRateLimitPerMinute: 60,
      trustProxy: false,
      minFreeDiskBytes: 100 * 1024 * 1024,
    });
  });

  it('LOG_LEVEL: silent by default under NODE_ENV=test, info otherwise, as given when given', () => {
    expect(load({ NODE_ENV: 'test' }).logLevel).toBe('silent');
    expect(load({ NODE_ENV: 'production' }).logLevel).toBe('info');
    expect(load({}).logLevel).toBe('info');
    expect(load({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('TRUST_PROXY: false, true, a hop count or addresses', () => {
    expect(load({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: 'FALSE' }).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(load({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,loopback, ::1' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      'loopback',
      '::1',
    ]);
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => load({ TRUST_PROXY: 'nginx' })).toThrow(/TRUST_PROXY="nginx"/);
    expect(() => load({ TRUST_PROXY: '10.0.0.0/40' })).toThrow(/TRUST_PROXY/);
    expect(() => load({ RATE_LIMIT_GENERATION_PER_MINUTE: '0' })).toThrow(
      /RATE_LIMIT_GENERATION_PER_MINUTE/,
    );
    expect(() => load({ RATE_LIMIT_GENERATION_PER_MINUTE: 'lots' })).toThrow(
      /RATE_LIMIT_GENERATION_PER_MINUTE/,
    );
    expect(() => load({ HEALTH_MIN_FREE_DISK_MB: '-1' })).toThrow(/HEALTH_MIN_FREE_DISK_MB/);
    expect(() => load({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
