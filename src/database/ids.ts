import { randomUUID } from 'node:crypto';
import { isUuid } from '../common/validation/uuid';

/** A new primary key: a random UUID, lower case. */
export function newId(): string {
  return randomUUID();
}

/**
 * The canonical (lower-case) form of an id received from outside, or null when it is not
 * a UUID, so callers answer "not found" without touching the database.
 */
export function parseId(raw: unknown): string | null {
  return isUuid(raw) ? raw.toLowerCase() : null;
}
