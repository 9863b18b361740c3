import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Page, pageCount } from '../pagination';
import { absoluteUri, removeQueryParam, replaceQueryParam } from './absolute-uri';

/** DRF's paginated envelope. */
export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/**
 * The envelope's Swagger schema for one kind of item, named `name` (one generic class, not a
 * hand-written copy per resource).
 */
export function PaginatedDto<T>(item: Type<T>, name: string): Type<Paginated<T>> {
  class Page implements Paginated<T> {
    @ApiProperty({ example: 1 }) count: number;
    @ApiProperty({ type: String, nullable: true }) next: string | null;
    @ApiProperty({ type: String, nullable: true }) previous: string | null;
    @ApiProperty({ type: [item] }) results: T[];
  }
  Object.defineProperty(Page, 'name', { value: name });
  return Page;
}

/**
 * Wraps a page in DRF's envelope; `next`/`previous` are absolute URLs of the same request
 * with another `page` (the first page's link has no `page` at all), or null.
 */
export function paginatedResponse<T>(
  request: FastifyRequest,
  page: Page<unknown>,
  results: T[],
): Paginated<T> {
  const self = absoluteUri(request);
  const hasNext = page.number < pageCount(page.count, page.size);
  let previous: string | null = null;
  if (page.number > 1) {
    previous =
      page.number === 2
        ? removeQueryParam(self, 'page')
        : replaceQueryParam(self, 'page', page.number - 1);
  }
  return {
    count: page.count,
    next: hasNext ? replaceQueryParam(self, 'page', page.number + 1) : null,
    previous,
    results,
  };
}
