import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { posix } from 'node:path';
import { sendError } from '../common/http/error-reply';

/**
 * What the media folder serves, by extension: the WAVs, and the uploads (segment images,
 * logos, fonts), whose extensions the server chose after checking their content. Anything
 * else (temporary files...) is a 404.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.wav': 'audio/wav',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
};

export const SERVED_MEDIA_EXTENSIONS: ReadonlySet<string> = new Set(Object.keys(CONTENT_TYPES));

/**
 * Whether a request path (relative to the prefix, starting with `/`) may be served: canonical,
 * no `..`, no hidden or empty segment, no backslash, a served extension. @fastify/static and
 * @fastify/send already confine paths to the root; this is the second lock.
 */
export function isServableMediaPath(pathName: string): boolean {
  if (/[\\\0%]/.test(pathName) || posix.normalize(pathName) !== pathName) return false;
  const segments = pathName.split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return false;
  return SERVED_MEDIA_EXTENSIONS.has(posix.extname(pathName).toLowerCase());
}

/**
 * Serves the media folder read-only, in its own encapsulated scope so that every failure
 * under the prefix (missing file, refused path) is a JSON 404, the API's error shape, and
 * never reveals whether something exists outside the root. Range requests and HEAD come
 * from @fastify/static; there is no directory listing and no index file.
 */
export const mediaStaticPlugin: FastifyPluginAsync<{ root: string }> = async (scope, { root }) => {
  const logger = new Logger('MediaStatic');

  scope.setNotFoundHandler((_request, reply) => sendError(reply, 404, { error: 'Not found' }));
  scope.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 416) return sendError(reply, 416, { error: 'Requested range not satisfiable' });
    if (status < 500) return sendError(reply, 404, { error: 'Not found' });
    logger.error(error.stack ?? error.message);
    return sendError(reply, 500, { error: 'Internal server error' });
  });

  await scope.register(fastifyStatic, {
    root,
    prefix: '/',
    decorateReply: false,
    index: false,
    list: false,
    redirect: false,
    dotfiles: 'ignore',
    allowedPath: (pathName) => isServableMediaPath(pathName),
    setHeaders: (reply, path) => {
      const type = CONTENT_TYPES[posix.extname(path).toLowerCase()];
      if (type) reply.header('content-type', type);
    },
  });
};
