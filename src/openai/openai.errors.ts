/**
 * An error of the OpenAI-compatible routes, answered in OpenAI's shape
 * `{"error": {"message", "type", "param", "code"}}` by OpenAiExceptionFilter.
 */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A 400 about one request field (`param`), as OpenAI's `invalid_request_error`. */
export function invalidRequest(message: string, param: string | null, code: string | null = null) {
  return new OpenAiError(400, message, 'invalid_request_error', param, code);
}

/** The body OpenAI's SDKs parse into an `APIError`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiErrorBody(error: OpenAiError): OpenAiErrorBody {
  return {
    error: { message: error.message, type: error.type, param: error.param, code: error.code },
  };
}

/** OpenAI's error `type` for a status. */
export const OPENAI_TYPE_OF_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  503: 'server_error',
};
