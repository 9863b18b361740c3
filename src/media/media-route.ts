import type { IncomingHttpHeaders } from 'node:http';
import { posix } from 'node:path';
import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rangeParser from 'range-parser';
import { sendError } from '../common/http/error-reply';
import { MEDIA_URL_PREFIX, type MediaLayout } from './media-layout';
import type { ByteRange, StoredFile } from './stored-file';

/**
 * What the media folder serves, by extension: the WAVs, and the uploads (segment images,
 * logos, fonts), whose extensions the server chose after checking their content. Anything
 * else (temporary files, word boundaries...) is a 404.
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
 * Whether a request path (relative to the prefix, starting with `/`, as the client sent it)
 * may be served: canonical, nothing percent-encoded (media names never need it), no `..`, no
 * hidden or empty segment, no backslash, a served extension. Nothing else reaches storage.
 */
export function isServableMediaPath(pathName: string): boolean {
  if (/[\\\0%]/.test(pathName) || posix.normalize(pathName) !== pathName) return false;
  const segments = pathName.split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return false;
  return SERVED_MEDIA_EXTENSIONS.has(posix.extname(pathName).toLowerCase());
}

/** A file's validators, as the answer states them (ETag, Last-Modified). */
export interface Validators {
  etag: string;
  modified: Date;
}

/** The validators of a stored file: a weak ETag of size and time, as @fastify/send makes it. */
export function validatorsOf(file: Pick<StoredFile, 'size' | 'modified'>): Validators {
  const etag = `W/"${file.size.toString(16)}-${file.modified.getTime().toString(16)}"`;
  return { etag, modified: file.modified };
}

/**
 * The answer the conditional headers call for (RFC 9110 §13, as @fastify/send applied them
 * when it served this folder): 412 when If-Match or If-Unmodified-Since fails, 304 when
 * If-None-Match (or, without it, If-Modified-Since) says the client's copy is current, else
 * 200. `Cache-Control: no-cache` (a reload) never gets a 304.
 */
export function conditionalStatus(headers: IncomingHttpHeaders, v: Validators): 200 | 304 | 412 {
  const ifMatch = headers['if-match'];
  if (ifMatch && ifMatch !== '*' && !listsTag(ifMatch, v.etag)) return 412;
  const unmodifiedSince = Date.parse(headers['if-unmodified-since'] ?? '');
  if (unmodifiedSince < wholeSeconds(v.modified)) return 412;
  if (headers['cache-control']?.includes('no-cache')) return 200;
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch === '*' || listsTag(ifNoneMatch, v.etag) ? 304 : 200;
  }
  const modifiedSince = Date.parse(headers['if-modified-since'] ?? '');
  return wholeSeconds(v.modified) <= modifiedSince ? 304 : 200;
}

/**
 * The byte range a Range header asks for (parsed by `range-parser`): `undefined` for the
 * whole file (no header, an If-Range that no longer holds, a malformed header or several
 * ranges, as RFC 9110 allows), `null` when it cannot be satisfied (416).
 */
export function requestedRange(
  headers: IncomingHttpHeaders,
  size: number,
  v: Validators,
): ByteRange | null | undefined {
  const header = headers.range;
  if (header === undefined || !/^ *bytes=/.test(header) || !rangeStillHolds(headers, v)) {
    return undefined;
  }
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return null;
  return Array.isArray(ranges) && ranges.length === 1 ? ranges[0] : undefined;
}

/** If-Range: the range applies only to the version the client names (an ETag or a date). */
function rangeStillHolds(headers: IncomingHttpHeaders, v: Validators): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return ifRange === undefined;
  if (ifRange.includes('"')) return ifRange.includes(v.etag);
  return wholeSeconds(v.modified) <= Date.parse(ifRange);
}

/** Whether a comma-separated list of entity tags names this one (`"x"` matches `W/"x"`). */
function listsTag(list: string, etag: string): boolean {
  return list.split(',').some((entry) => {
    const tag = entry.trim();
    return tag === etag || `W/${tag}` === etag;
  });
}

/** HTTP dates have whole seconds. */
function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

/** Reads the segment audio by its ids: the `AudioStorage` port's `open`. */
export interface SegmentAudioReader {
  open(projectId: string, segmentId: string): Promise<StoredFile | null>;
}

/** Reads any other media file (the uploads) by its media path. */
export interface MediaFileReader {
  open(mediaPath: string): Promise<StoredFile | null>;
}

/**
 * Serves the media folder read-only at `/media/`, in its own encapsulated scope so that
 * every failure under the prefix (missing file, refused path) is a JSON 404, the API's error
 * shape, and never reveals whether something exists outside the media root. A segment's WAV
 * is read through the audio storage port, the uploads from their store; the bytes are
 * streamed from the file opened, with Range, HEAD and conditional requests. There is no
 * directory listing and no index file.
 */
export async function registerMediaRoute(
  fastify: FastifyInstance,
  sources: { layout: MediaLayout; audio: SegmentAudioReader; uploads: MediaFileReader },
): Promise<void> {
  const open = (mediaPath: string): Promise<StoredFile | null> => {
    const segment = sources.layout.audioSegmentOf(mediaPath);
    if (segment) return sources.audio.open(segment.projectId, segment.segmentId);
    return sources.uploads.open(mediaPath);
  };
  await fastify.register(
    async (scope) => {
      const logger = new Logger('MediaRoute');
      const notFound = (_request: FastifyRequest, reply: FastifyReply) =>
        sendError(reply, 404, { error: 'Not found' });
      scope.setNotFoundHandler(notFound);
      scope.setErrorHandler((error: FastifyError, _request, reply) => {
        if ((error.statusCode ?? 500) < 500) return notFound(_request, reply);
        logger.error(error.stack ?? error.message);
        return sendError(reply, 500, { error: 'Internal server error' });
      });
      scope.route({
        method: ['GET', 'HEAD'],
        url: '/*',
        // Returns the reply: the answer is sent (a stream may still be flowing) by the code below.
        handler: async (request, reply) => {
          // The path as the client sent it (not decoded): what the checks judge is what is read.
          const url = request.raw.url ?? '';
          const path = url.slice(MEDIA_URL_PREFIX.length).split('?')[0];
          const file =
            url.startsWith(`${MEDIA_URL_PREFIX}/`) && isServableMediaPath(path)
              ? await open(path.slice(1))
              : null;
          if (file) await serveFile(request, reply, file, path);
          else notFound(request, reply);
          return reply;
        },
      });
    },
    { prefix: MEDIA_URL_PREFIX },
  );
}

async function serveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: StoredFile,
  path: string,
): Promise<void> {
  const validators = validatorsOf(file);
  reply
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'public, max-age=0')
    .header('last-modified', file.modified.toUTCString())
    .header('etag', validators.etag);
  const status = conditionalStatus(request.headers, validators);
  const range = status === 200 ? requestedRange(request.headers, file.size, validators) : undefined;
  if (status !== 200 || range === null || request.method === 'HEAD') await file.close();
  if (status === 412) return sendError(reply, 412, { error: 'Precondition failed' });
  if (status === 304) return void reply.code(304).send();
  if (range === null) {
    return sendError(
      reply,
      416,
      { error: 'Requested range not satisfiable' },
      { 'content-range': `bytes */${file.size}` },
    );
  }
  reply.header('content-type', CONTENT_TYPES[posix.extname(path).toLowerCase()]);
  if (range) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
  }
  reply.header('content-length', range ? range.end - range.start + 1 : file.size);
  if (request.method === 'HEAD') return void reply.send();
  return void reply.send(file.stream(range));
}
