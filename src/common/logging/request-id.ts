import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Header carrying the request id, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What we accept from a client or proxy: short, and safe to copy into logs and headers. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it looks like an id (so a proxy's id
 * follows the request through our logs), else a new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : randomUUID();
}

/** Echoes the request id on every answer, errors and 404s included. */
export function echoRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
