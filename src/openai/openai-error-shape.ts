import type { FastifyInstance } from 'fastify';
import { type ErrorBody, useErrorShape } from '../common/http/error-reply';
import { OPENAI_TYPE_OF_STATUS } from './openai.errors';

/** The URL prefix of the OpenAI-compatible routes. */
export const OPENAI_URL_PREFIX = '/v1/';

/**
 * Errors answered before a `/v1` handler runs (an unknown `/v1` path, a body that is not JSON or
 * is too large: Fastify's, through the global filter) are written by `sendError` in the API's
 * shape `{"error": "<sentence>"}`; under `/v1/` it writes OpenAI's shape instead, which the
 * SDKs parse. The handlers' own errors are already in that shape (OpenAiExceptionFilter).
 * No hook: other answers, status polls included, do not pass here.
 */
export function registerOpenAiErrorShape(fastify: FastifyInstance): void {
  useErrorShape(fastify, { prefix: OPENAI_URL_PREFIX, render: toOpenAiShape });
}

/** `{"error": "<sentence>", "details"?}` → OpenAI's shape. */
function toOpenAiShape(body: ErrorBody, status: number): string {
  return JSON.stringify({
    error: {
      message: body.error,
      type:
        OPENAI_TYPE_OF_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
      param: body.details ? (Object.keys(body.details)[0] ?? null) : null,
      code: null,
    },
  });
}
