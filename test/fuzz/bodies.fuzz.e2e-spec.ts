import fc from 'fast-check';
import { BODY_LIMIT_BYTES } from '../../src/app.setup';
import { MAX_INPUT_DEPTH } from '../../src/common/pipes/validation.pipe';
import { useTestApp } from '../support/test-app';
import {
  createFixture,
  Fixture,
  readState,
  removeStrayProjects,
  stateGuard,
} from './support/api-state';
import {
  array,
  hostileString,
  JsonTree,
  jsonBody,
  jsonTree,
  nested,
  object,
  pathSegment,
  PROTOTYPE_KEYS,
  queryString,
  raw,
  routableStrayId,
  str,
  strayId,
  toJson,
  withSlash,
  wtf8,
} from './support/arbitraries';
import { fuzzParameters, PROPERTY_TIMEOUT_MS, runsOf } from './support/fuzz-config';
import { FuzzClient, FuzzRequest } from './support/fuzz-client';
import { API_ROUTES, ApiRoute, BODY_ROUTES, JSON_HEADERS, pathOf } from './support/routes';
import { rejectedRequest } from './support/rejected-requests';

/** Routes whose body Fastify reads: every route but the GETs. */
const WRITE_ROUTES = API_ROUTES.filter((route) => route.method !== 'GET');

/**
 * JSON bodies, tried at scale, on every route that takes one: wrong types, unknown fields,
 * unicode, NUL bytes, lone surrogates, broken JSON, wrong content types, bodies over the 1 MB
 * limit, deep nesting and prototype-pollution keys. Whatever is sent: no 5xx, errors in the
 * API's JSON shape, nothing leaked, and a rejected request stores nothing.
 */
describe('fuzz: request bodies (e2e)', () => {
  const t = useTestApp({ env: { RATE_LIMIT_GENERATION_PER_MINUTE: '100000' } });
  let client: FuzzClient;
  let fixture: Fixture;

  beforeAll(async () => {
    // A high generation limit: these properties test validation, not the limiter.
    client = new FuzzClient(t.app, t.dataDir);
    fixture = await createFixture(t.app);
  });
  afterEach(() => removeStrayProjects(t.app, fixture));

  /**
   * A request to `route` with `payload`; the id, if any, names nothing. With `reachable`, the
   * id is well encoded and short enough for the router, so the body is always read.
   */
  const toRoute = (route: ApiRoute, reachable = false) =>
    fc
      .record({ id: reachable ? routableStrayId : pathSegment(strayId), slash: fc.boolean() })
      .map(
        ({ id, slash }) =>
          (
            payload: string | Buffer,
            headers: Record<string, string> = JSON_HEADERS,
          ): FuzzRequest => ({
            method: route.method,
            url: withSlash(pathOf(route, id), slash),
            payload,
            headers: { ...headers },
          }),
      );

  it(
    'any JSON body on every body route: no 5xx, JSON errors, a rejected body stores nothing',
    async () => {
      const guard = await stateGuard(t.app, fixture);
      const perRoute = BODY_ROUTES.map((route) =>
        fc
          .tuple(toRoute(route), jsonBody(route.fields ?? []))
          .map(([build, body]) => build(toJson(body))),
      );
      await fc.assert(
        fc.asyncProperty(fc.tuple(...perRoute), async (requests) => {
          const responses = await client.sendAll(requests);
          await guard(requests, responses);
        }),
        fuzzParameters(11),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'requests the contract refuses (bad fields, unknown ids, locked segments, broken orders, invalid settings) change nothing',
    async () => {
      const before = await readState(t.app);
      await fc.assert(
        fc.asyncProperty(
          fc.array(rejectedRequest(fixture), { minLength: 5, maxLength: 10 }),
          async (requests) => {
            const responses = await client.sendAll(requests);
            responses.forEach((res, i) => {
              if (res.statusCode < 400)
                throw new Error(
                  `accepted (${res.statusCode}): ${requests[i].method} ${requests[i].url} ${requests[i].payload}\n${res.body}`,
                );
            });
            expect(await readState(t.app)).toEqual(before);
          },
        ),
        fuzzParameters(12),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'broken JSON, raw bytes, invalid UTF-8, NUL bytes and wrong content types: 4xx JSON, nothing stored',
    async () => {
      const guard = await stateGuard(t.app, fixture);
      const contentType = fc.oneof(
        { weight: 4, arbitrary: fc.constant('application/json') },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8',
            'application/json; charset=utf-16',
            'application/json;charset=latin1',
            'APPLICATION/JSON',
            'application/vnd.api+json',
            'application/merge-patch+json',
            'application/problem+json',
            'text/plain',
            'text/json',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/octet-stream',
            '*/*',
            'application/json, text/plain',
            'json',
            ';',
          ),
        },
        {
          weight: 1,
          arbitrary: hostileString({ maxLength: 30 }).filter((h) => /^[\t\x20-\x7e]*$/.test(h)),
        },
      );
      const brokenPayload: fc.Arbitrary<string | Buffer> = fc.oneof(
        // Valid JSON cut short.
        fc
          .tuple(jsonBody(['title', 'format', 'segments', 'text_content']), fc.nat())
          .map(([body, at]) => {
            const text = toJson(body);
            return text.slice(0, at % Math.max(1, text.length));
          }),
        // Raw control characters (NUL included) inside strings, which JSON forbids.
        fc
          .tuple(
            hostileString({ maxLength: 10 }),
            fc.constantFrom('\u0000', '\u0001', '\n', '\t', '\u001f'),
          )
          .map(([text, control]) => `{"title":"${text.replace(/["\\]/g, '')}${control}"}`),
        // Strings with bytes that are not UTF-8: lone surrogates as WTF-8, stray continuation bytes.
        fc
          .tuple(
            hostileString({ maxLength: 10 }),
            fc.constantFrom(
              ...[[0xed, 0xa0, 0x80], [0xff], [0xc0, 0xaf], [0x80], [0xe2, 0x82]].map((b) =>
                Buffer.from(b),
              ),
            ),
          )
          .map(([text, bad]) =>
            Buffer.concat([
              Buffer.from('{"title":"'),
              wtf8(text.replace(/["\\]/g, '')),
              bad,
              Buffer.from('"}'),
            ]),
          ),
        // A byte-order mark, then JSON.
        jsonBody(['title']).map((body) => `\ufeff${toJson(body)}`),
        // Not JSON at all.
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom(
          '',
          ' ',
          'null',
          'undefined',
          'NaN',
          '{',
          '}',
          '[',
          '{"title":}',
          "{'title':'x'}",
          '{"title":"x",}',
          '{title:"x"}',
          '{"title":"x"}}',
          '{"title":"x"}{"title":"y"}',
          '\u0000',
          '{"\u0000":1}',
          '"\\ud800"',
          '"\\u0000"',
          '1e400',
          '--1',
        ),
      );
      const contentEncoding = fc.option(
        fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-unknown', 'gzip, gzip'),
        { freq: 6 },
      );
      const request = fc
        .tuple(fc.constantFrom(...WRITE_ROUTES), brokenPayload, contentType, contentEncoding)
        .chain(([route, payload, type, encoding]) =>
          toRoute(route).map((build) =>
            build(payload, {
              'content-type': type,
              ...(encoding === null ? {} : { 'content-encoding': encoding }),
            }),
          ),
        );
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 10, maxLength: 10 }), async (requests) => {
          const responses = await client.sendAll(requests);
          await guard(requests, responses);
        }),
        fuzzParameters(13),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `a body over ${BODY_LIMIT_BYTES} bytes: exactly 413 {"error":"Request body is too large"}, nothing stored`,
    async () => {
      const guard = await stateGuard(t.app, fixture);
      const filler = hostileString({ minLength: 1, maxLength: 16 }).map(
        (text) => JSON.stringify(text).slice(1, -1) || 'x',
      );
      /** A JSON body of about `bytes` bytes, in one of a few shapes. */
      const hugeBody = fc
        .tuple(
          fc.integer({ min: BODY_LIMIT_BYTES + 1, max: Math.floor(BODY_LIMIT_BYTES * 1.5) }),
          filler,
          fc.constantFrom('string', 'segments', 'raw_text', 'list', 'keys'),
        )
        .map(([bytes, chunk, shape]) => {
          const fill = (n: number) => chunk.repeat(Math.ceil(n / Buffer.byteLength(chunk)) + 1);
          switch (shape) {
            case 'string':
              return `{"title":"${fill(bytes)}"}`;
            case 'segments':
              return `{"format":"json","title":"t","segments":[${`{"text_content":"${chunk}"},`.repeat(Math.ceil(bytes / (chunk.length + 20)))}{"text_content":"end"}]}`;
            case 'raw_text':
              return JSON.stringify({
                format: 'text',
                title: 't',
                raw_text: `Text: ${chunk}\n---\n`.repeat(Math.ceil(bytes / (chunk.length + 11))),
              });
            case 'list':
              return `{"segment_order":[${'"00000000-0000-4000-8000-000000000000",'.repeat(Math.ceil(bytes / 39))}"x"]}`;
            default: {
              const entries: string[] = [];
              for (let size = 2; size <= bytes; size += entries[entries.length - 1].length + 1) {
                entries.push(`"k${entries.length}":${entries.length % 10}`);
              }
              return `{${entries.join(',')}}`;
            }
          }
        });
      const request = fc
        .tuple(fc.constantFrom(...WRITE_ROUTES), hugeBody)
        .chain(([route, payload]) => toRoute(route, true).map((build) => build(payload)));
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          expect(Buffer.byteLength(req.payload!)).toBeGreaterThan(BODY_LIMIT_BYTES);
          const res = await client.send(req);
          expect({ status: res.statusCode, body: res.body }).toEqual({
            status: 413,
            body: '{"error":"Request body is too large"}',
          });
          await guard([req], [res]);
        }),
        fuzzParameters(14, 0.1),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'bodies just under the limit that must be refused (long titles, huge faulty imports, huge orders): 4xx, nothing stored',
    async () => {
      const before = await readState(t.app);
      const size = fc.integer({
        min: Math.floor(BODY_LIMIT_BYTES * 0.6),
        max: BODY_LIMIT_BYTES - 200,
      });
      const request = fc
        .tuple(
          size,
          fc.constantFrom('title', 'json-import', 'text-import', 'append', 'reorder'),
          fc.boolean(),
        )
        .map(([bytes, shape, slash]): FuzzRequest => {
          const json = (method: string, path: string, payload: string): FuzzRequest => ({
            method,
            url: withSlash(path, slash),
            payload,
            headers: { ...JSON_HEADERS },
          });
          const good = '{"text_content":"A line to keep."},';
          const block = 'Text: A line to keep.\n---\n';
          switch (shape) {
            case 'title':
              return json('POST', '/api/projects', `{"title":"${'t'.repeat(bytes - 20)}"}`);
            case 'json-import':
              // Thousands of good segments and one blank one at the end: all or nothing.
              return json(
                'POST',
                '/api/projects/import',
                `{"format":"json","title":"Big","segments":[${good.repeat(Math.floor((bytes - 80) / good.length))}{"text_content":"  "}]}`,
              );
            case 'text-import':
              return json(
                'POST',
                '/api/projects/import',
                JSON.stringify({
                  format: 'text',
                  title: 'Big',
                  raw_text: `${block.repeat(Math.floor((bytes - 80) / (block.length + 2)))}Prompt: no text here`,
                }),
              );
            case 'append':
              return json(
                'POST',
                `/api/projects/${fixture.projectId}/import-segments`,
                `{"format":"json","segments":[${good.repeat(Math.floor((bytes - 60) / good.length))}{"text_content":7}]}`,
              );
            default:
              return json(
                'POST',
                '/api/segments/reorder',
                `{"project_id":"${fixture.projectId}","segment_order":[${`"${fixture.segmentIds[0]}",`.repeat(Math.floor((bytes - 80) / 39))}"${fixture.segmentIds[1]}"]}`,
              );
          }
        });
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          expect(Buffer.byteLength(req.payload!)).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
          const res = await client.send(req);
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).not.toBe(413);
        }),
        fuzzParameters(15, 0.05),
      );
      expect(await readState(t.app)).toEqual(before);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `deep nesting, up to 100,000 levels: 400 beyond ${MAX_INPUT_DEPTH} levels, never a 5xx`,
    async () => {
      const guard = await stateGuard(t.app, fixture);
      const depth = fc.oneof(
        fc.integer({ min: 1, max: MAX_INPUT_DEPTH + 2 }),
        fc.integer({ min: MAX_INPUT_DEPTH + 1, max: 2_000 }),
        fc.integer({ min: 2_000, max: 100_000 }),
      );
      const request = fc
        .tuple(
          fc.constantFrom(...BODY_ROUTES),
          depth,
          fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array' | 'object' | 'mixed'>,
          fc.boolean(),
        )
        .chain(([route, levels, style, wrapped]) =>
          toRoute(route, true).map((build) => {
            const field = route.fields?.[0] ?? 'x';
            const inner = nested(levels, style, '1');
            // Wrapped in an object under a field name, the body is one level deeper.
            // generate-audio reads no body: it answers for the segment whatever the nesting.
            const readsBody = (route.fields ?? []).length > 0;
            return {
              req: build(wrapped ? `{"${field}":${inner}}` : inner),
              levels: levels + (wrapped ? 1 : 0),
              readsBody,
            };
          }),
        );
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 4, maxLength: 4 }), async (cases) => {
          const responses = await client.sendAll(cases.map((c) => c.req));
          cases.forEach(({ req, levels, readsBody }, i) => {
            if (readsBody && levels > MAX_INPUT_DEPTH && responses[i].statusCode !== 400) {
              throw new Error(
                `${levels} levels: ${req.method} ${req.url.slice(0, 60)}…${req.url.slice(-60)} (${req.url.length}) → ${responses[i].statusCode} ${responses[i].body}`,
              );
            }
          });
          await guard(
            cases.map((c) => c.req),
            responses,
          );
        }),
        fuzzParameters(16, 0.25),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'prototype-pollution keys anywhere in a body or a query: nothing polluted, and the server still answers',
    async () => {
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
      // Segments a polluted body might add go to a project of their own (removed afterwards).
      const target = (
        await t.app.inject({
          method: 'POST',
          url: '/api/projects/',
          payload: { title: 'Pollution target' },
        })
      ).json().id;
      const pollution: fc.Arbitrary<[string, JsonTree]> = fc.oneof(
        fc.constant<[string, JsonTree]>(['__proto__', object([['polluted', raw('true')]])]),
        fc.constant<[string, JsonTree]>([
          'constructor',
          object([['prototype', object([['polluted', raw('true')]])]]),
        ]),
        fc.constant<[string, JsonTree]>(['prototype', object([['polluted', raw('true')]])]),
        fc.constant<[string, JsonTree]>(['constructor', object([['polluted', raw('true')]])]),
        fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), jsonTree(['polluted'])),
        fc.constantFrom<[string, JsonTree]>(
          ['__proto__', raw('null')],
          ['__proto__', array([raw('1')])],
          ['__proto__', str('x')],
          ['toString', raw('1')],
        ),
      );
      /** `tree` with the pollution entry added to its top object or to an object inside it. */
      const inject = (tree: JsonTree, entry: [string, JsonTree], path: number): JsonTree => {
        if (tree.kind === 'object') {
          const inner = tree.entries.findIndex(([, value]) => value.kind !== 'raw');
          if (inner >= 0 && path % 2 === 1) {
            const entries = [...tree.entries];
            entries[inner] = [entries[inner][0], inject(entries[inner][1], entry, path >> 1)];
            return object(entries);
          }
          return object([...tree.entries, entry]);
        }
        if (tree.kind === 'array' && tree.items.length > 0) {
          const items = [...tree.items];
          items[path % items.length] = inject(items[path % items.length], entry, path >> 1);
          return array(items);
        }
        return object([entry]);
      };
      /** A body the route would accept, but for the pollution. */
      const validBody = (route: ApiRoute): JsonTree => {
        switch (route.path) {
          case '/api/projects':
            return object([['title', str('Polluted?')]]);
          case '/api/projects/import':
          case '/api/projects/:id/import-segments':
            return object([
              ['format', str('json')],
              ['title', str('Polluted?')],
              ['segments', array([object([['text_content', str('A line.')]])])],
            ]);
          case '/api/segments':
            return object([
              ['project', str(target)],
              ['text_content', str('A line.')],
            ]);
          case '/api/settings':
            return object([['tts_speed', raw('1')]]);
          default:
            return object([]);
        }
      };
      const request = fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .tuple(fc.constantFrom(...BODY_ROUTES), pollution, fc.nat(), fc.boolean())
            .chain(([route, entry, path, valid]) =>
              (valid ? fc.constant(validBody(route)) : jsonBody(route.fields ?? [], 2)).chain(
                (body) => toRoute(route).map((build) => build(toJson(inject(body, entry, path)))),
              ),
            ),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom('/api/projects', '/api/segments', '/api/tasks'),
              fc.constantFrom(
                '__proto__[polluted]=1',
                'constructor[prototype][polluted]=1',
                '__proto__.polluted=1',
                'a[__proto__][polluted]=1',
                '__proto__=x',
              ),
              queryString,
            )
            .map(([path, pollute, query]): FuzzRequest => ({
              method: 'GET',
              url: `${path}/?${pollute}${query.replace('?', '&')}`,
            })),
        },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 10, maxLength: 10 }), async (requests) => {
          const responses = await client.sendAll(requests);
          for (const res of responses) {
            if (res.statusCode < 300) expect(res.body).not.toContain('"polluted"');
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
          // And the server still behaves.
          const settings = await t.app.inject({ method: 'GET', url: '/api/settings/' });
          expect(settings.statusCode).toBe(200);
          // The whole settings object (API.md), and nothing a polluted prototype added.
          expect(Object.keys(settings.json())).toHaveLength(25);
          expect(Object.keys(settings.json())).not.toContain('polluted');
          const created = await t.app.inject({
            method: 'POST',
            url: '/api/projects/',
            payload: { title: 'After pollution' },
          });
          expect(created.statusCode).toBe(201);
          expect(Object.keys(created.json())).not.toContain('polluted');
          expect(
            (await t.app.inject({ method: 'DELETE', url: `/api/projects/${created.json().id}/` }))
              .statusCode,
          ).toBe(204);
        }),
        fuzzParameters(17),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('sent the generated requests it was sized for', () => {
    const perRun = BODY_ROUTES.length + 5 + 10 + 10;
    expect(client.sent).toBeGreaterThanOrEqual(
      runsOf() * perRun + runsOf(0.1) + runsOf(0.05) + 4 * runsOf(0.25),
    );
  });
});
