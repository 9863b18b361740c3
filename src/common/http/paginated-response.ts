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
