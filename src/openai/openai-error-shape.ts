import type { FastifyInstance } from 'fastify';
import type { ErrorBody } from '../common/http/error-reply';
import { OPENAI_TYPE_OF_STATUS } from './openai.errors';

/** The URL prefix of the OpenAI-compatible routes. */
export const OPENAI_URL_PREFIX = '/v1/';

/**
 * Errors answered before a `/v1` handler runs (an unknown `/v1` path, a body that is not JSON or
 * is too large: Fastify's, through the global filter) are in the API's shape
 * `{"error": "<sentence>"}`; this hook rewrites them, on `/v1/*` only, into OpenAI's shape, which
 * the SDKs parse. The handlers' own errors are already in that shape (OpenAiExceptionFilter).
 */
export function registerOpenAiErrorShape(fastify: FastifyInstance): void {
  // The callback form (no promise per request): every answer passes here, status polls too.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode < 400 || !request.url.startsWith(OPENAI_URL_PREFIX)) {
      return done(null, payload);
    }
    done(null, typeof payload === 'string' ? toOpenAiShape(payload, reply.statusCode) : payload);
  });
}

/** `{"error": "<sentence>", "details"?}` → OpenAI's shape; anything else unchanged. */
function toOpenAiShape(payload: string, status: number): string {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  const error = (body as Partial<ErrorBody> | null)?.error;
  // Already OpenAI's (an object), or not an error body.
  if (typeof error !== 'string') return payload;
  const details = (body as ErrorBody).details;
  return JSON.stringify({
    error: {
      message: error,
      type:
        OPENAI_TYPE_OF_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
      param: details ? (Object.keys(details)[0] ?? null) : null,
      code: null,
    },
  });
}
