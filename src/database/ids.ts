import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new primary key: a random UUID, lower case. */
export function newId(): string {
  return randomUUID();
}

/**
 * The canonical (lower-case) form of an id received from outside, or null when it is not
 * a UUID, so callers answer "not found" without touching the database.
 */
export function parseId(raw: unknown): string | null {
  return typeof raw === 'string' && UUID.test(raw) ? raw.toLowerCase() : null;
}
