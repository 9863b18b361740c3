import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from '../logging/request-id';
import { replyTaskNotFound } from '../../tasks/task-not-found.filter';
import { sendError } from './error-reply';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The API's security headers, rendered at start (security-headers.ts); set here by hand
     * on answers Fastify's router gives before any hook runs.
     */
    apiSecurityHeaders?: Readonly<Record<string, string>>;
  }
}

/** A task route, whatever its id: `/api/tasks/{id}/status|events|cancel/`. */
const TASK_ROUTE = /^\/api\/tasks\/[^/?#]+\/(?:status|events|cancel)\/?(?:[?#]|$)/;

/**
 * Fastify's `frameworkErrors` hook: errors its router raises before any route, hook or Nest
 * filter runs. Without it Fastify answers its own `{error, code, message, statusCode}` body,
 * which echoes the path back; here they take the API's one error shape, and the security
 * headers and request id every other answer carries (no `onRequest` hook runs for them).
 *
 * - a path whose percent-encoding does not decode (`/api/projects/%ff/`) names no resource:
 *   404, as an unknown route is (and as a DRF backend answers such an id); under a task
 *   route it is an unknown task id, so the answer is exactly the task route's 404;
 * - a path parameter longer than the router's `maxParamLength`: 414.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.headers(request.server.apiSecurityHeaders ?? {});
  reply.header(REQUEST_ID_HEADER, request.id);
  if (error.code === 'FST_ERR_BAD_URL') {
    if (TASK_ROUTE.test(request.raw.url ?? '')) return replyTaskNotFound(reply);
    return sendError(reply, 404, { error: 'Not found' });
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendError(reply, 414, { error: 'URI too long' });
  }
  const status = error.statusCode ?? 500;
  sendError(reply, status, { error: status < 500 ? 'Bad request' : 'Internal server error' });
}
