import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, DomainErrorKind } from '../errors/domain.error';
import { ErrorBody, sendError } from '../http/error-reply';

const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  not_implemented: 501,
};

/** Human sentences for statuses whose framework message is not meant for clients. */
const SENTENCE_OF: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Request body is too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
};

/**
 * Gives every failure the contract's JSON error shape. Domain errors map by kind, HTTP
 * exceptions keep their status, anything else is a 500 whose details go to the log only.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = this.describe(exception);
    sendError(reply, status, body, headers);
  }

  private describe(exception: unknown): {
    status: number;
    body: ErrorBody;
    headers: Record<string, string>;
  } {
    if (exception instanceof DomainError) {
      const headers: Record<string, string> =
        exception.retryAfterSeconds !== undefined
          ? { 'retry-after': String(exception.retryAfterSeconds) }
          : {};
      const body: ErrorBody = { error: exception.message };
      if (exception.details) body.details = exception.details;
      return { status: STATUS_OF[exception.kind], body, headers };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return { status, body: { error: clientMessage(exception, status) }, headers: {} };
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return { status: 500, body: { error: 'Internal server error' }, headers: {} };
  }
}

/** The exception's own sentence, except Nest's "Cannot GET /x" and array messages. */
function clientMessage(exception: HttpException, status: number): string {
  const response = exception.getResponse();
  const message =
    typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (typeof message === 'string' && message && !message.startsWith('Cannot ')) return message;
  return SENTENCE_OF[status] ?? 'Request failed';
}
