import { DomainError } from './errors/domain.error';

/** DRF `PageNumberPagination.page_size` of this API. */
export const PAGE_SIZE = 50;

/** A page number past the end, below 1 or not a number: 404, as DRF answers. */
export class InvalidPageError extends DomainError {
  constructor() {
    super('not_found', 'Invalid page.');
  }
}

/** Which rows a page covers. */
export interface PageWindow {
  /** 1-based page number. */
  readonly number: number;
  readonly size: number;
  readonly offset: number;
}

/** One page of a list and the size of the whole list. */
export interface Page<T> extends PageWindow {
  readonly count: number;
  readonly items: T[];
}

/** Number of pages of a list; an empty list still has its (empty) first page. */
export function pageCount(count: number, size: number): number {
  return Math.max(1, Math.ceil(count / size));
}

/**
 * Validates a raw `?page=` value against the list size, as Django's paginator does:
 * missing or empty means 1, `last` means the last page, anything but an integer from 1 to
 * the last page throws InvalidPageError.
 */
export function resolvePage(raw: string | undefined, count: number, size = PAGE_SIZE): PageWindow {
  const last = pageCount(count, size);
  let number: number;
  if (raw === undefined || raw === '') number = 1;
  else if (raw === 'last') number = last;
  else if (/^\s*\+?\d+\s*$/.test(raw)) number = Number(raw.trim());
  else throw new InvalidPageError();
  if (!Number.isSafeInteger(number) || number < 1 || number > last) throw new InvalidPageError();
  return { number, size, offset: (number - 1) * size };
}

/** The empty first page. */
export function emptyPage<T>(size = PAGE_SIZE): Page<T> {
  return { number: 1, size, offset: 0, count: 0, items: [] };
}
