import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { TaskManagerService } from '../../src/tasks/task-manager.service';
import { taskFinished } from '../support/tasks';
import { useTestApp } from '../support/test-app';
import { createFixture, Fixture, removeStrayProjects, stateGuard } from './support/api-state';
import {
  hostileString,
  jsonBody,
  ODD_METHODS,
  oddHeaders,
  pathSegment,
  percentEncode,
  queryString,
  strayId,
  toJson,
  unknownUuid,
  withSlash,
} from './support/arbitraries';
import { FUZZ_RUNS, fuzzParameters, PROPERTY_TIMEOUT_MS, runsOf } from './support/fuzz-config';
import { FuzzClient, FuzzRequest } from './support/fuzz-client';
import { API_ROUTES, ApiRoute, JSON_HEADERS, pathOf } from './support/routes';

/**
 * Paths, methods and query strings, tried at scale: every route of the API with ids that name
 * nothing (unknown UUIDs, non-UUIDs, prototype keys, NUL bytes, lone surrogates, broken
 * percent-encoding, 6,000-character ids), with and without the trailing slash, with odd
 * methods and junk query strings. Whatever is sent: no 5xx, errors in the API's JSON shape,
 * nothing leaked, and a rejected request changes nothing.
 */
describe('fuzz: paths, methods and query strings (e2e)', () => {
  const t = useTestApp({ env: { RATE_LIMIT_GENERATION_PER_MINUTE: '100000' } });
  let client: FuzzClient;
  let fixture: Fixture;
  /** The fixture's one WAV, generated once, and the task that made it. */
  let wavUrl: string;
  let taskId: string;

  beforeAll(async () => {
    client = new FuzzClient(t.app, t.dataDir);
    fixture = await createFixture(t.app);
    const accepted = await t.app.inject({
      method: 'POST',
      url: `/api/segments/${fixture.spokenId}/generate-audio/`,
    });
    if (accepted.statusCode !== 202) throw new Error(`generate: ${accepted.body}`);
    taskId = accepted.json().task_id;
    const final = await taskFinished(t.app, taskId);
    if (final.status !== 'COMPLETED') throw new Error(`generation ${final.status}`);
    wavUrl = final.completed_segments[0].audio_url;
  });
  afterEach(() => removeStrayProjects(t.app, fixture));

  /** A request to one of the API's routes, its id never one that exists. */
  const routeRequest: fc.Arbitrary<FuzzRequest> = fc
    .constantFrom(...API_ROUTES)
    .chain((route: ApiRoute) =>
      fc
        .record({
          method: fc.oneof(
            { weight: 4, arbitrary: fc.constant(route.method) },
            { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) },
          ),
          id: pathSegment(strayId),
          slash: fc.boolean(),
          query: fc.oneof(fc.constant(''), queryString),
          body: fc.option(jsonBody(route.fields ?? []), { freq: route.fields ? 2 : 5 }),
        })
        .map(({ method, id, slash, query, body }) => ({
          method,
          url: withSlash(pathOf(route, id), slash) + query,
          ...(body === null ? {} : { payload: toJson(body), headers: { ...JSON_HEADERS } }),
        })),
    );

  /** Paths no route declares: under /api, under /media, at the root, odd shapes. */
  const strayPathRequest: fc.Arbitrary<FuzzRequest> = fc
    .record({
      method: fc.constantFrom(...ODD_METHODS),
      prefix: fc.constantFrom(
        '/api',
        '/api/projects',
        '/api/segments',
        '/api/tasks',
        '/api/settings',
        '/media',
        '',
        '/api/docs',
        '//api',
      ),
      segments: fc.array(pathSegment(hostileString({ maxLength: 20 })), {
        minLength: 1,
        maxLength: 4,
      }),
      slash: fc.boolean(),
      query: fc.oneof(fc.constant(''), queryString),
    })
    .map(({ method, prefix, segments, slash, query }) => ({
      method,
      url: withSlash(`${prefix}/${segments.join('/')}`, slash) + query,
    }));

  it(
    'every route, any method, stray ids, any query: no 5xx, JSON errors, and a rejected request changes nothing',
    async () => {
      const guard = await stateGuard(t.app, fixture);
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              { weight: 4, arbitrary: routeRequest },
              { weight: 1, arbitrary: strayPathRequest },
            ),
            {
              minLength: 6,
              maxLength: 12,
            },
          ),
          async (requests) => guard(requests, await client.sendAll(requests)),
        ),
        fuzzParameters(1),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a task id, whatever its characters: status, events and cancel answer exactly 404 {"error":"Task not found"}',
    async () => {
      const taskIdText = fc
        .oneof(
          { weight: 4, arbitrary: hostileString({ minLength: 1, maxLength: 300 }) },
          { weight: 2, arbitrary: strayId },
          {
            weight: 1,
            arbitrary: fc
              .tuple(unknownUuid, fc.stringMatching(/^[0-9a-f]{8}$/), fc.boolean())
              .map(([id, hex, batch]) => `tts_${batch ? 'batch_' : ''}${id}_${hex}`),
          },
          { weight: 1, arbitrary: fc.constant(taskId).map((id) => `${id}x`) },
          { weight: 1, arbitrary: fc.constant(taskId).map((id) => id.toUpperCase()) },
        )
        // "." and ".." are dot segments (any client removes them); an id beyond the router's
        // 4,096 characters is a 414, checked by the property above.
        .filter(
          (id) => id !== '.' && id !== '..' && id !== taskId && percentEncode(id).length <= 4096,
        );
      await fc.assert(
        fc.asyncProperty(
          taskIdText,
          fc.boolean(),
          fc.boolean(),
          fc.boolean(),
          async (id, s1, s2, s3) => {
            const encoded = percentEncode(id);
            for (const request of [
              { method: 'GET', url: withSlash(`/api/tasks/${encoded}/status`, s1) },
              { method: 'GET', url: withSlash(`/api/tasks/${encoded}/events`, s2) },
              { method: 'POST', url: withSlash(`/api/tasks/${encoded}/cancel`, s3) },
            ]) {
              const res = await client.send(request);
              // An id with a lone surrogate travels as bytes that are not UTF-8: the path does
              // not decode and no route sees it, yet the answer is the same task 404.
              const body = '{"error":"Task not found"}';
              expect({ request, status: res.statusCode, body: res.body }).toEqual({
                request,
                status: 404,
                body,
              });
            }
          },
        ),
        fuzzParameters(2),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a real task polled with any If-None-Match: 200 with its snapshot, or 304',
    async () => {
      const etag = (await t.app.inject({ method: 'GET', url: `/api/tasks/${taskId}/status/` }))
        .headers.etag as string;
      const ifNoneMatch = fc.oneof(
        hostileString({ maxLength: 80 }).filter((h) => /^[\t\x20-\x7e]*$/.test(h)),
        fc.constantFrom(
          '*',
          ' * ',
          `W/${etag}`,
          `"x", ${etag}`,
          `${etag},`,
          ',,,',
          '""',
          etag.slice(0, -1),
        ),
      );
      await fc.assert(
        fc.asyncProperty(ifNoneMatch, fc.boolean(), async (header, slash) => {
          const res = await client.send({
            method: 'GET',
            url: withSlash(`/api/tasks/${taskId}/status`, slash),
            headers: { 'if-none-match': header },
          });
          expect([200, 304]).toContain(res.statusCode);
          if (res.statusCode === 200)
            expect(res.json()).toMatchObject({ task_id: taskId, status: 'COMPLETED' });
        }),
        fuzzParameters(3, 0.5),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'media paths: nothing but the one WAV is ever served, every refusal is JSON',
    async () => {
      const piece = fc.oneof(
        { weight: 3, arbitrary: pathSegment(hostileString({ minLength: 1, maxLength: 20 })) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            'projects',
            'audio',
            fixture.projectId,
            fixture.spokenId,
            `${fixture.spokenId}.wav`,
            'storyflow.db',
            'storyflow.db-wal',
            '.',
            '..',
            '%2e%2e',
            '%2E',
            '..%2f',
            '..%5c',
            '%2f',
            '',
            '.tmp',
            'x.wav.tmp-1a2b',
          ),
        },
        { weight: 1, arbitrary: unknownUuid.map((id) => `${id}.wav`) },
      );
      const mediaUrl = fc.oneof(
        fc
          .array(piece, { minLength: 1, maxLength: 6 })
          .map((pieces) => `/media/${pieces.join('/')}`),
        fc
          .tuple(
            fc.constantFrom('', '.tmp', '/', '%00', '.WAV', '/..', ';x', '%20'),
            fc.constantFrom('', 'x'),
          )
          .map(([suffix, prefix]) => `/media/${prefix}${wavUrl.slice('/media/'.length)}${suffix}`),
      );
      await fc.assert(
        fc.asyncProperty(
          mediaUrl,
          fc.constantFrom('GET', 'HEAD', 'GET', 'POST', 'DELETE', 'PUT'),
          queryString,
          async (url, method, query) => {
            const res = await client.send({ method, url: url + query });
            // Dot segments are resolved first: `/media/%2e%2e` is `/`, the web page.
            const path = new URL(url, 'http://x').pathname;
            if (res.statusCode < 400 && path.startsWith('/media/')) {
              expect(['GET', 'HEAD']).toContain(method);
              expect(path).toBe(wavUrl);
            }
          },
        ),
        fuzzParameters(4),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the WAV with any Range header: 200, 206 or a JSON 416',
    async () => {
      const bound = fc.oneof(fc.nat({ max: 1_000_000 }), fc.constantFrom(0, 1, 43, 44, 45));
      const range = fc.oneof(
        fc.tuple(bound, bound).map(([a, b]) => `bytes=${a}-${b}`),
        bound.map((a) => `bytes=${a}-`),
        bound.map((a) => `bytes=-${a}`),
        fc
          .array(fc.tuple(bound, bound), { minLength: 2, maxLength: 5 })
          .map((pairs) => `bytes=${pairs.map(([a, b]) => `${a}-${b}`).join(',')}`),
        hostileString({ maxLength: 40 }).filter((h) => /^[\t\x20-\x7e]*$/.test(h)),
        fc.constantFrom(
          'bytes=',
          'bytes=-',
          'bytes=--1',
          'bits=0-1',
          'bytes=1-0',
          'bytes=0-0,-1',
          'bytes=99999999999999999999-',
        ),
      );
      await fc.assert(
        fc.asyncProperty(range, fc.constantFrom('GET', 'HEAD'), async (header, method) => {
          const res = await client.send({ method, url: wavUrl, headers: { range: header } });
          expect([200, 206, 416]).toContain(res.statusCode);
        }),
        fuzzParameters(5, 0.5),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'any Host, X-Forwarded-* or query on paginated lists and audio URLs: links are URLs, never a 5xx',
    async () => {
      const { pagedProjectId } = await fillPages(t.app);
      await checkLinks(client, [
        '/api/projects/',
        '/api/tasks/',
        `/api/segments/?project=${pagedProjectId}&`,
        `/api/segments/?project=${fixture.projectId}&`,
        `/api/projects/${fixture.projectId}/`,
        `/api/segments/${fixture.spokenId}/`,
      ]);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('sent the generated requests it was sized for', () => {
    // 6+ requests a run of the first property, 3 of the second, 1 of the others.
    expect(client.sent).toBeGreaterThanOrEqual(runsOf() * (6 + 3 + 1 + 1) + 2 * runsOf(0.5));
    expect(FUZZ_RUNS).toBeGreaterThan(0);
  });
});

describe('fuzz: links behind a trusted proxy (e2e)', () => {
  const t = useTestApp({ env: { TRUST_PROXY: 'true' } });
  let client: FuzzClient;
  beforeAll(async () => {
    // Every X-Forwarded-* header is believed: the protocol and host of links come from them.
    client = new FuzzClient(t.app, t.dataDir);
  });

  it(
    'any X-Forwarded-Proto/Host on paginated lists: links are URLs, never a 5xx',
    async () => {
      const { pagedProjectId } = await fillPages(t.app);
      await checkLinks(
        client,
        ['/api/projects/', '/api/tasks/', `/api/segments/?project=${pagedProjectId}&`],
        0.5,
      );
      expect(client.sent).toBeGreaterThanOrEqual(runsOf(0.5));
    },
    PROPERTY_TIMEOUT_MS,
  );
});

/**
 * More than one page of projects, of a project's segments and of tasks, so that lists carry
 * `next`/`previous` links (built with `new URL()` from the request's host and URL).
 */
async function fillPages(app: NestFastifyApplication): Promise<{ pagedProjectId: string }> {
  for (let i = 0; i < 55; i++) {
    await app.inject({
      method: 'POST',
      url: '/api/projects/',
      payload: { title: `Page filler ${i}` },
    });
  }
  const texts = Array.from({ length: 55 }, (_, i) => ({ text_content: `Line ${i}.` }));
  const paged = await app.inject({
    method: 'POST',
    url: '/api/projects/import/',
    payload: { format: 'json', title: 'Many segments', segments: texts },
  });
  // Tasks straight from the manager: listing them needs no synthesis.
  const tasks = app.get(TaskManagerService);
  for (let i = 0; i < 55; i++) {
    await tasks.create(`fuzz_page_${i}`, { total: 0, labels: {} });
    await tasks.finish(`fuzz_page_${i}`);
  }
  return { pagedProjectId: paged.json().id };
}

/** GETs `bases` (plus a page and a query) with odd headers; every link must be a URL. */
async function checkLinks(client: FuzzClient, bases: string[], share = 1): Promise<void> {
  const request = fc.record({
    base: fc.constantFrom(...bases),
    page: fc.constantFrom('', 'page=1', 'page=2', 'page=last', 'page=2&page=1'),
    query: queryString,
    headers: oddHeaders,
  });
  await fc.assert(
    fc.asyncProperty(request, async ({ base, page, query, headers }) => {
      const separator = base.includes('?') ? '' : '?';
      const url = `${base}${separator}${page}${query.replace('?', '&')}`;
      const res = await client.send({ method: 'GET', url, headers });
      if (res.statusCode !== 200) return;
      const body = res.json();
      const items: { audio_file?: unknown }[] = body.results ?? body.segments ?? [];
      const links = [
        body.next,
        body.previous,
        body.audio_file,
        ...items.map((item) => item.audio_file),
      ];
      for (const link of links.filter((value): value is string => typeof value === 'string')) {
        const parsed = new URL(link); // throws on a link that is not a URL
        expect(['http:', 'https:']).toContain(parsed.protocol);
      }
    }),
    fuzzParameters(6, share),
  );
}
