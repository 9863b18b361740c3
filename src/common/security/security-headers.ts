import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';

type HeaderSet = Readonly<Record<string, string>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The security headers of this route, rendered once at start (security-headers.ts). */
    securityHeaders?: HeaderSet;
  }
}

type CspDirectives = Record<string, string[]>;

/** Nothing may frame, re-base or post a form from any of our answers. */
const LOCKED_DOWN: CspDirectives = {
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** A helmet policy: helmet's defaults but HSTS, with this Content-Security-Policy. */
function policy(
  directives: CspDirectives,
  crossOriginResourcePolicy: FastifyHelmetOptions['crossOriginResourcePolicy'] = true,
): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: { ...LOCKED_DOWN, ...directives } },
    crossOriginResourcePolicy,
    // The app speaks plain HTTP on loopback by default and cannot know whether a TLS proxy
    // is in front: HSTS belongs to whoever terminates TLS (see README, "Reverse proxy").
    strictTransportSecurity: false,
  };
}

/**
 * Every answer by default (JSON API, errors, 404s, `/metrics`): a JSON or text body needs no
 * resources at all, so the policy allows none.
 */
const API_POLICY = policy({ 'default-src': ["'none'"] });

/**
 * Swagger UI (`/api/docs`): its HTML, scripts and CSS come from this origin; it needs inline
 * styles (a `<style>` block and `style=` attributes) and `data:` images (icons in its CSS).
 * Scripts stay `'self'` only: Swagger UI loads no inline script.
 */
const DOCS_POLICY = policy({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
});

/**
 * The web page at `/` (HTML, one compiled script, CSS): everything from this origin, including
 * the `<audio>` it plays from `/media/`.
 */
const PAGE_POLICY = policy({
  'default-src': ["'self'"],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
});

/**
 * WAV files, images and fonts under `/media/`: StoryFlow's own frontend runs on another origin
 * (`http://localhost:3000`) and plays them in `<audio src>` (shows `<img src>`), a no-cors load that
 * `Cross-Origin-Resource-Policy: same-origin` would block. The files are as public as the API
 * itself, so they are `cross-origin`; a WAV opened in a tab may still play (`media-src 'self'`).
 */
const MEDIA_POLICY = policy(
  { 'default-src': ["'none'"], 'media-src': ["'self'"], 'img-src': ["'self'"] },
  { policy: 'cross-origin' },
);

type PolicyName = 'api' | 'docs' | 'page' | 'media';

const POLICIES: Readonly<Record<PolicyName, FastifyHelmetOptions>> = {
  api: API_POLICY,
  docs: DOCS_POLICY,
  page: PAGE_POLICY,
  media: MEDIA_POLICY,
};

/** Which policy a route gets, by its URL pattern as Fastify declares it. */
export function policyFor(url: string): PolicyName {
  if (url === '/api/docs' || url.startsWith('/api/docs/')) return 'docs';
  if (url === '/api' || url.startsWith('/api/') || url.startsWith('/metrics')) return 'api';
  if (url === '/media' || url.startsWith('/media/')) return 'media';
  return 'page';
}

/** Headers every response has anyway; not part of a policy. */
const NOT_SECURITY_HEADERS = new Set([
  'content-length',
  'content-type',
  'date',
  'connection',
  'keep-alive',
]);

/**
 * The headers @fastify/helmet sets for a policy, rendered once by the plugin itself on a
 * throwaway instance. Helmet's headers depend on nothing in the request (no CSP nonces here),
 * and the plugin rebuilds its middleware on every request (~30 µs, as much as a status poll
 * costs in all), so the app copies these ready-made sets instead.
 */
export async function renderHelmetHeaders(options: FastifyHelmetOptions): Promise<HeaderSet> {
  const probe = Fastify();
  try {
    await probe.register(helmet, options);
    probe.get('/', (_request, reply) => reply.send());
    const { headers } = await probe.inject({ method: 'GET', url: '/' });
    const set: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!NOT_SECURITY_HEADERS.has(name) && typeof value === 'string') set[name] = value;
    }
    return Object.freeze(set);
  } finally {
    await probe.close();
  }
}

/**
 * Security headers on every answer, policies written as @fastify/helmet options: a strict one
 * for the API (the default, also for 404s) and relaxed ones for Swagger UI, the web page and
 * media files, chosen by URL when each route is declared (routes come from Nest, Swagger and
 * @fastify/static, none of which takes per-route options). Each policy is rendered once; a
 * synchronous hook copies the route's set onto the reply.
 *
 * Must run before any route is declared: the classifier is an `onRoute` hook.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  const names = Object.keys(POLICIES) as PolicyName[];
  const rendered = await Promise.all(names.map((name) => renderHelmetHeaders(POLICIES[name])));
  const sets = Object.fromEntries(names.map((name, i) => [name, rendered[i]])) as Record<
    PolicyName,
    HeaderSet
  >;

  fastify.decorate('apiSecurityHeaders', sets.api);
  fastify.addHook('onRoute', (route: RouteOptions) => {
    route.config = { ...route.config, securityHeaders: sets[policyFor(route.url)] };
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.securityHeaders ?? sets.api);
    done();
  });
}
