import fc from 'fast-check';
import { useTestApp } from '../support/test-app';
import { hostileString, jsonBody, routableStrayId, toJson, withSlash } from './support/arbitraries';
import { fuzzParameters, PROPERTY_TIMEOUT_MS, runsOf } from './support/fuzz-config';
import { FuzzClient, FuzzRequest } from './support/fuzz-client';
import { JSON_HEADERS } from './support/routes';

/** The default RATE_LIMIT_GENERATION_PER_MINUTE. */
const DEFAULT_LIMIT = 60;

/**
 * The generation rate limit at its default (60 a minute per client IP): once a client has
 * spent it, whatever it sends to a generation route (any id, any body, broken JSON) is a 429
 * in the API's error shape, with Retry-After, before anything is parsed or looked up.
 */
describe('fuzz: the generation rate limit at its default (e2e)', () => {
  const t = useTestApp();
  let client: FuzzClient;
  const CLIENT_IP = '10.77.0.1';

  beforeAll(async () => {
    client = new FuzzClient(t.app, t.dataDir);
  });

  const generationRequest: fc.Arbitrary<FuzzRequest> = fc
    .record({
      route: fc.constantFrom(
        '/api/segments/:id/generate-audio',
        '/api/projects/:id/generate-all-audio',
      ),
      // A URL the router cannot decode never reaches a route, nor its limiter: a 404.
      id: routableStrayId,
      slash: fc.boolean(),
      body: fc.oneof(
        fc.constant(undefined),
        jsonBody(['skip_locked', 'force_regenerate']).map(toJson),
        hostileString({ maxLength: 40 }),
      ),
    })
    .map(({ route, id, slash, body }) => ({
      method: 'POST',
      url: withSlash(route.replace(':id', id), slash),
      remoteAddress: CLIENT_IP,
      ...(body === undefined ? {} : { payload: body, headers: { ...JSON_HEADERS } }),
    }));

  it(
    'a spent budget: every generation request is a JSON 429 with Retry-After, whatever it carries',
    async () => {
      // Spend the budget with generated requests; each is answered on its own merits.
      const spend = fc.sample(generationRequest, { seed: 1, numRuns: DEFAULT_LIMIT });
      const spent = await client.sendAll(spend);
      expect(spent.filter((res) => res.statusCode === 429)).toEqual([]);

      await fc.assert(
        fc.asyncProperty(generationRequest, async (request) => {
          const res = await client.send(request);
          expect(res.statusCode).toBe(429);
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(Object.keys(res.json())).toEqual(['error']);
          expect(res.json().error).toMatch(/^Too many generation requests: at most 60 a minute\./);
          const retryAfter = Number(res.headers['retry-after']);
          expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
        }),
        fuzzParameters(21),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('sent the generated requests it was sized for', () => {
    expect(client.sent).toBeGreaterThanOrEqual(DEFAULT_LIMIT + runsOf());
  });
});
