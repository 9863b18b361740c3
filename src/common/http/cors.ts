import fastifyCors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registerCatchingHooks } from './caught-hooks';

type RequestHook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/**
 * CORS for StoryFlow's frontend, a single-page app on another origin (`CORS_ORIGINS`) that
 * calls with axios: JSON and multipart bodies, PATCH and DELETE included. Since v10
 * @fastify/cors allows only GET, HEAD and POST unless told otherwise, so the methods are
 * listed. An origin not listed gets no `Access-Control-Allow-Origin`: the browser blocks it.
 */
export function corsOptions(origins: readonly string[]) {
  return {
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    // What the frontend sends: JSON/multipart bodies, conditional polls, ranges, a request id
    // (Last-Event-ID: an EventSource resuming its stream).
    allowedHeaders: ['content-type', 'if-none-match', 'range', 'x-request-id', 'last-event-id'],
    // A page that polls every 2 s preflights once in two hours (Chromium's cap), not each time.
    maxAge: 7200,
    // An OPTIONS request that is not a CORS preflight (no Origin or no
    // Access-Control-Request-Method) gets the usual 204 rather than @fastify/cors's
    // `400 text/plain`, which is not the API's error shape.
    strictPreflight: false,
    // Readable by the frontend: backoff (429/503), the request id for support, ETags of
    // status polls, the preview's file name, and what a range answer covers.
    exposedHeaders: [
      'retry-after',
      'x-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'etag',
      'content-disposition',
      'content-range',
      'content-length',
      'accept-ranges',
    ],
  };
}

/**
 * The CORS headers of an answer that is not a preflight, for each allowed origin and for any
 * other request (no Origin, or one not listed): what @fastify/cors sets with these options,
 * rendered once. A list of origins: `Vary: Origin`, the exposed headers, and
 * `Access-Control-Allow-Origin` echoing an allowed origin; `*` among them: any origin, so
 * `Access-Control-Allow-Origin: *` for all and no `Vary`.
 */
export function corsHeaderTable(options: ReturnType<typeof corsOptions>): {
  allowed: ReadonlyMap<string, Readonly<Record<string, string>>>;
  other: Readonly<Record<string, string>>;
} {
  const exposed = { 'access-control-expose-headers': options.exposedHeaders.join(', ') };
  if (options.origin.includes('*')) {
    return {
      allowed: new Map(),
      other: Object.freeze({ 'access-control-allow-origin': '*', ...exposed }),
    };
  }
  const allowed = new Map(
    options.origin.map((origin) => [
      origin,
      Object.freeze({ vary: 'Origin', 'access-control-allow-origin': origin, ...exposed }),
    ]),
  );
  return { allowed, other: Object.freeze({ vary: 'Origin', ...exposed }) };
}

/**
 * CORS on every answer, errors and 404s included, as `app.enableCors(options)` gave it, for
 * less per request. Preflights (OPTIONS) are @fastify/cors's own, unchanged (its request hook
 * and its `OPTIONS *` route). On every other request @fastify/cors would merge its options
 * object again, build the routes' options twice and join the exposed headers, and Nest's
 * hook around it copied every reply header to see which to set on the raw response too (for
 * Nest middleware that ends a response itself: this app has none, `skipMiddie`): here the
 * same headers come from a table rendered at start, by origin (docs/PERFORMANCE.md).
 *
 * Must run before any route is declared (its `OPTIONS *` route, and the hook applies to
 * routes declared after it).
 */
export async function registerCors(
  fastify: FastifyInstance,
  options: ReturnType<typeof corsOptions>,
): Promise<void> {
  // The plugin's request hook is caught while it registers, to run on preflights only.
  const caught = await registerCatchingHooks(fastify, fastifyCors, options, ['onRequest'], 1);
  const handlePreflight = caught.get('onRequest')?.[0] as RequestHook | undefined;
  if (!handlePreflight) throw new Error('@fastify/cors added no request hook: check registerCors');

  const { allowed, other } = corsHeaderTable(options);
  fastify.addHook('onRequest', function cors(request, reply, done) {
    if (request.raw.method === 'OPTIONS') return handlePreflight.call(this, request, reply, done);
    const origin = request.headers.origin;
    reply.headers((origin !== undefined && allowed.get(origin)) || other);
    done();
  });
}
