import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, RequestValidationError } from '../common/errors/domain.error';
import { OPENAI_TYPE_OF_STATUS, OpenAiError, openAiErrorBody } from './openai.errors';

const STATUS_OF_KIND: Record<DomainError['kind'], number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  not_implemented: 501,
};

/**
 * OpenAI's error shape, `{"error": {"message", "type", "param", "code"}}`, on the `/v1`
 * routes only (it is bound to their controller): the SDKs parse it into their `APIError`.
 * The rest of the API keeps its own shape (ApiExceptionFilter).
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(OpenAiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toOpenAiError(exception);
    sendOpenAiError(reply, error);
  }

  private toOpenAiError(exception: unknown): OpenAiError {
    if (exception instanceof OpenAiError) return exception;
    if (exception instanceof DomainError) {
      const status = STATUS_OF_KIND[exception.kind];
      const param =
        exception instanceof RequestValidationError && exception.details
          ? (Object.keys(exception.details)[0] ?? null)
          : null;
      return new OpenAiError(
        status,
        exception.message,
        OPENAI_TYPE_OF_STATUS[status] ?? 'invalid_request_error',
        param,
        null,
        exception.retryAfterSeconds,
      );
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return new OpenAiError(
        status,
        exception.message,
        OPENAI_TYPE_OF_STATUS[status] ?? 'invalid_request_error',
      );
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return new OpenAiError(500, 'Internal server error', 'server_error');
  }
}

/** Sends the error in OpenAI's shape, with Retry-After when it has one. */
export function sendOpenAiError(reply: FastifyReply, error: OpenAiError): void {
  if (reply.sent) return;
  if (error.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(error.retryAfterSeconds));
  }
  reply
    .code(error.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(openAiErrorBody(error)));
}
