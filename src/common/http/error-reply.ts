import type { FastifyReply } from 'fastify';

/** The one error shape of the API: `{"error": "<human sentence>", "details"?: {...}}`. */
export interface ErrorBody {
  error: string;
  details?: Record<string, unknown>;
}

/** Sends an error in the contract's shape; used by the exception filters and Fastify's own error handler. */
export function sendError(
  reply: FastifyReply,
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): void {
  if (reply.sent) return;
  reply
    .code(status)
    .headers(headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(body));
}
