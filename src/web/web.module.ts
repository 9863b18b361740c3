import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { WebScriptBuilder } from './web-script.builder';

/**
 * The repository root, from this file's folder: `src/web/` under ts-jest/ts-node and
 * `dist/web/` once compiled are both two levels below it, so the same expression works
 * for `npm start`, `node dist/main.js` and the tests.
 */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** Hand-written page assets (`index.html`, `styles.css`), served straight from the source. */
export const WEB_SOURCE_DIR = join(REPO_ROOT, 'web');

/** `web/app.ts` compiled by `tsc -p web/tsconfig.json` (the second half of `npm run build`). */
export const WEB_BUILD_DIR = join(REPO_ROOT, 'dist', 'web-ui');

/** Files served from `web/`; the other files there (TypeScript, tsconfig) are not public. */
const PUBLIC_SOURCE_FILES: ReadonlySet<string> = new Set([
  '/',
  '/index.html',
  '/styles.css',
  '/favicon.svg',
]);

/**
 * Whether a URL path may be served from that root (given with a trailing slash by
 * @fastify/static); anything else is the API's JSON 404.
 */
function isPublicWebPath(pathName: string, root: string): boolean {
  if (resolve(root) === WEB_BUILD_DIR) return /^\/[a-z0-9-]+\.js$/.test(pathName);
  return PUBLIC_SOURCE_FILES.has(pathName);
}

/**
 * The web page at `/`: a plain HTML/CSS/TypeScript client of the public API (`web/`).
 *
 * Two folders are served: HTML and CSS need no build, so they come straight from `web/`; the
 * script comes from `dist/web-ui/`, compiled by `npm run build`. When that script is missing
 * or older than `web/*.ts` — `npm start` runs `nest build`, which empties `dist/`, and the
 * tests run from the TypeScript sources — WebScriptBuilder transpiles it before the routes
 * are registered, so a fresh clone, `npm start` and every test that boots the app get a
 * working page. If even that is impossible the app still boots and the page says so.
 *
 * Registered with `wildcard: false` (one exact route per file found at start-up, so `/api/`
 * and `/media/` are never shadowed) and `decorateReply: false` (nothing uses `reply.sendFile`).
 */
@Module({ providers: [WebScriptBuilder] })
export class WebModule implements OnModuleInit {
  private readonly logger = new Logger(WebModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly scriptBuilder: WebScriptBuilder,
  ) {}

  async onModuleInit(): Promise<void> {
    const httpAdapter = this.adapterHost.httpAdapter;
    if (!httpAdapter) return;
    if (!existsSync(join(WEB_SOURCE_DIR, 'index.html'))) {
      this.logger.warn(`No web page at ${WEB_SOURCE_DIR}: "/" is not served`);
      return;
    }
    const roots = [WEB_SOURCE_DIR];
    const built = await this.scriptBuilder
      .ensureBuilt({ sourceDir: WEB_SOURCE_DIR, buildDir: WEB_BUILD_DIR })
      .catch((error: Error) => {
        this.logger.warn(`Could not build the web page script: ${error.message}`);
        return false;
      });
    if (built) roots.push(WEB_BUILD_DIR);
    // Queued, not awaited: awaiting would make Fastify load its plugin
    // queue now, before Nest installs its error handler, and Fastify's own errors (bad JSON)
    // would lose the API's error shape. The plugin loads with the rest at `ready()`.
    void httpAdapter.getInstance<FastifyInstance>().register(fastifyStatic, {
      root: roots,
      prefix: '/',
      wildcard: false,
      decorateReply: false,
      index: ['index.html'],
      list: false,
      redirect: false,
      dotfiles: 'ignore',
      // Under `wildcard: false` every file found gets a route; only the page's own are served.
      allowedPath: (pathName, root) => root !== undefined && isPublicWebPath(pathName, root),
      setHeaders: (reply) => {
        // The page talks only to its own origin and loads nothing from elsewhere.
        reply.header(
          'content-security-policy',
          "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        );
        reply.header('x-content-type-options', 'nosniff');
      },
    });
  }
}
