import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './error-reply';

/**
 * Fastify's `frameworkErrors` hook: errors its router raises before any route, hook or Nest
 * filter runs. Without it Fastify answers its own `{error, code, message, statusCode}` body,
 * which echoes the path back; here they take the API's one error shape.
 *
 * - a path whose percent-encoding does not decode (`/api/projects/%ff/`) names no resource:
 *   404, as an unknown route is (and as a DRF backend answers such an id);
 * - a path parameter longer than the router's `maxParamLength`: 414.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error.code === 'FST_ERR_BAD_URL') return sendError(reply, 404, { error: 'Not found' });
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendError(reply, 414, { error: 'URI too long' });
  }
  const status = error.statusCode ?? 500;
  sendError(reply, status, { error: status < 500 ? 'Bad request' : 'Internal server error' });
}
