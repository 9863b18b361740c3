import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Response as InjectResponse } from 'light-my-request';

/** One generated request, as `app.inject()` takes it. */
export interface FuzzRequest {
  method: string;
  url: string;
  payload?: string | Buffer;
  headers?: Record<string, string>;
  /** Client address (the rate limit is per IP). */
  remoteAddress?: string;
}

export type FuzzResponse = InjectResponse;

/** Methods that must never change anything, whatever they answer. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The only keys of an error body. */
const ERROR_KEYS: ReadonlySet<string> = new Set(['error', 'details']);

/** A stack frame as V8 prints it. */
const STACK_FRAME = /at .*\.(ts|js):\d+/;

/** Routes whose error bodies carry a report of their own; not fuzzed for shape. */
const SHAPE_EXEMPT = /^\/(api\/health|metrics)(\/|\?|$)/;

/**
 * Sends generated requests through `app.inject()` (no port), counts them, and checks on every
 * answer what must hold whatever was sent:
 * - never a 5xx, never a redirect;
 * - an error (>= 400) is JSON `{error, details?}` with `error` a non-empty sentence;
 * - no body shows a stack frame or a file-system path (DATA_DIR, `/work/`, `node_modules`),
 *   unless the request itself carried that text (an echoed id, say).
 * A violation throws, with the request and the answer, so fast-check reports and shrinks it.
 */
export class FuzzClient {
  /** Generated requests sent so far. */
  sent = 0;
  private readonly leakMarkers: string[];

  constructor(
    private readonly app: NestFastifyApplication,
    dataDir: string,
  ) {
    this.leakMarkers = [dataDir, '/work/', 'node_modules'];
  }

  async send(request: FuzzRequest): Promise<FuzzResponse> {
    this.sent += 1;
    const response = await this.app.inject({
      method: request.method as 'GET',
      url: request.url,
      payload: request.payload,
      headers: request.headers,
      remoteAddress: request.remoteAddress,
    });
    const problem = this.problemWith(request, response);
    if (problem) throw new Error(describe(request, response, problem));
    return response;
  }

  /** Sends each request in turn; the answers in the same order. */
  async sendAll(requests: readonly FuzzRequest[]): Promise<FuzzResponse[]> {
    const responses: FuzzResponse[] = [];
    for (const request of requests) responses.push(await this.send(request));
    return responses;
  }

  private problemWith(request: FuzzRequest, response: FuzzResponse): string | null {
    const status = response.statusCode;
    if (status >= 500) return `a ${status}`;
    if (status >= 300 && status < 400 && status !== 304) return `a redirect (${status})`;
    const leak = this.leakIn(request, response);
    if (leak) return leak;
    if (status < 400 || SHAPE_EXEMPT.test(pathOf(request.url))) return null;
    return errorShapeProblem(request.method, response);
  }

  private leakIn(request: FuzzRequest, response: FuzzResponse): string | null {
    const type = String(response.headers['content-type'] ?? '');
    if (response.body === '' || (type !== '' && !/json|text/.test(type))) return null;
    const sent = requestText(request);
    for (const marker of this.leakMarkers) {
      if (response.body.includes(marker) && !sent.includes(marker)) {
        return `a file-system path (${marker}) in the body`;
      }
    }
    if (STACK_FRAME.test(response.body) && !STACK_FRAME.test(sent)) {
      return 'a stack trace in the body';
    }
    return null;
  }
}

/** Why an error answer is not `{error, details?}` JSON, or null. */
export function errorShapeProblem(method: string, response: FuzzResponse): string | null {
  const type = String(response.headers['content-type'] ?? '');
  if (!/^application\/json\b/.test(type)) return `an error that is not JSON (${type || 'no type'})`;
  if (method.toUpperCase() === 'HEAD') return null; // no body to look at
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return 'an error body that does not parse as JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'an error body that is not a JSON object';
  }
  const record = body as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !ERROR_KEYS.has(key));
  if (extra.length > 0) return `error body keys beyond {error, details}: ${extra.join(', ')}`;
  if (typeof record.error !== 'string' || record.error.trim() === '') {
    return '`error` is not a non-empty string';
  }
  const details = record.details;
  if (
    details !== undefined &&
    (typeof details !== 'object' || details === null || Array.isArray(details))
  ) {
    return '`details` is not an object';
  }
  return null;
}

function pathOf(url: string): string {
  return url.split('?')[0];
}

/** Everything the request carried, decoded where it can be, to tell echoes from leaks. */
function requestText(request: FuzzRequest): string {
  const payload = Buffer.isBuffer(request.payload)
    ? request.payload.toString('utf8')
    : (request.payload ?? '');
  let url = request.url;
  try {
    url = decodeURIComponent(url);
  } catch {
    // kept as sent: an undecodable URL is part of what is being fuzzed
  }
  // JSON escapes of "/" and of quotes come back unescaped in messages, and vice versa.
  return `${request.url}\n${url}\n${payload}\n${safeJsonUnescape(payload)}`;
}

function safeJsonUnescape(text: string): string {
  return text.replace(/\\\//g, '/').replace(/\\"/g, '"');
}

function describe(request: FuzzRequest, response: FuzzResponse, problem: string): string {
  const payload = Buffer.isBuffer(request.payload)
    ? `<${request.payload.length} bytes>`
    : request.payload === undefined
      ? ''
      : clip(request.payload, 300);
  const headers = request.headers ? ` ${clip(JSON.stringify(request.headers), 300)}` : '';
  return (
    `${request.method} ${clip(request.url, 300)}${headers} ${payload}\n` +
    `→ ${response.statusCode} ${String(response.headers['content-type'] ?? '')}: ${problem}\n` +
    clip(response.body, 600)
  );
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;
}
