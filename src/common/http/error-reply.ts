import type { FastifyInstance, FastifyReply } from 'fastify';

/** The one error shape of the API: `{"error": "<human sentence>", "details"?: {...}}`. */
export interface ErrorBody {
  error: string;
  details?: Record<string, unknown>;
}

/**
 * Another error shape for the answers under one URL prefix: the OpenAI-compatible routes
 * (`/v1/`) answer their errors in OpenAI's shape, which its SDKs parse.
 */
export interface ErrorShape {
  /** `request.url` starts with it. */
  readonly prefix: string;
  /** The body to send instead of the API's `{"error": ...}` (JSON). */
  render(body: ErrorBody, status: number): string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Error shapes by URL prefix (`useErrorShape`); the API's own everywhere else. */
    errorShapes?: readonly ErrorShape[];
  }
}

/**
 * Errors answered under `shape.prefix` take that shape, whoever answers them (the global
 * filter, Fastify's errors before a handler runs such as bad JSON or a body too large, the
 * not-found handler, the router's own errors): they all go through `sendError`. Nothing
 * runs on other answers, so the status poll pays nothing for it.
 */
export function useErrorShape(fastify: FastifyInstance, shape: ErrorShape): void {
  if (!fastify.hasDecorator('errorShapes')) fastify.decorate('errorShapes', []);
  fastify.errorShapes = [...(fastify.errorShapes ?? []), shape];
}

/** Sends an error in the contract's shape; used by the exception filters and Fastify's own error handler. */
export function sendError(
  reply: FastifyReply,
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): void {
  if (reply.sent) return;
  const url = reply.request.url;
  const shape = reply.server.errorShapes?.find((candidate) => url.startsWith(candidate.prefix));
  reply
    .code(status)
    .headers(headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(shape ? shape.render(body, status) : JSON.stringify(body));
}
