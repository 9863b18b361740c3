import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { appConfig } from '../config/app.config';
import { OpenAiError } from './openai.errors';

/** SHA-256 of a key: equal-length digests, so the comparison's time tells nothing of the key. */
const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * The optional API key of `/v1/*`: when OPENAI_API_KEY_REQUIRED is set, a request needs
 * `Authorization: Bearer <that key>` (compared in constant time), else a 401 in OpenAI's
 * shape. Unset, any key or none is accepted, as local OpenAI-compatible servers do.
 */
@Injectable()
export class OpenAiKeyGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(appConfig.KEY) config: ConfigType<typeof appConfig>) {
    this.expected = config.openaiApiKey === null ? null : digest(config.openaiApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match) {
      throw new OpenAiError(
        401,
        'Missing API key: send "Authorization: Bearer <key>"',
        'invalid_request_error',
        null,
        'missing_api_key',
      );
    }
    if (!timingSafeEqual(digest(match[1].trim()), this.expected)) {
      throw new OpenAiError(
        401,
        'Incorrect API key provided',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    }
    return true;
  }
}
