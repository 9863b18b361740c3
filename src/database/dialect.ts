import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';

/** The two databases the service runs on. */
export type DialectName = 'sqlite' | 'postgres';

/** Which database a Kysely instance (or a transaction of it) talks to. */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * The few places where the SQL of the two databases differs, so that one Kysely adapter per
 * repository port serves both. Everything else is the same query.
 *
 * Types (see docs/POSTGRES.md): SQLite stores booleans as 0/1 integers, timestamps as ISO 8601
 * text and JSON as text; PostgreSQL uses `boolean`, `timestamptz` (read back as the same ISO
 * string) and `json` (the exact text is kept).
 */
export interface SqlDialect {
  readonly name: DialectName;
  /** A boolean as a column value: 0/1 for SQLite, true/false for PostgreSQL. */
  boolean(value: boolean): number | boolean;
  /**
   * The insertion order of a table's rows, as a tie-break after a timestamp: SQLite's
   * `rowid`, PostgreSQL's identity column `row_seq` (added by migration 001 there).
   */
  insertionOrder(table: string): RawBuilder<number>;
  /**
   * Locks one project row until the end of the transaction, so that writers of its segments
   * (append, reorder) run one after another. PostgreSQL: `SELECT … FOR UPDATE`. SQLite: nothing
   * to do, every transaction already holds the database's write lock (BEGIN IMMEDIATE).
   * Returns whether the project exists.
   */
  lockProject<DB>(db: Kysely<DB>, projectId: string): Promise<boolean>;
}

const SQLITE: SqlDialect = {
  name: 'sqlite',
  boolean: (value) => (value ? 1 : 0),
  insertionOrder: (table) => sql<number>`${sql.ref(table)}.rowid`,
  async lockProject(db, projectId) {
    const row = await sql`SELECT id FROM projects WHERE id = ${projectId}`.execute(db);
    return row.rows.length > 0;
  },
};

const POSTGRES: SqlDialect = {
  name: 'postgres',
  boolean: (value) => value,
  insertionOrder: (table) => sql<number>`${sql.ref(table)}.row_seq`,
  async lockProject(db, projectId) {
    const row = await sql`SELECT id FROM projects WHERE id = ${projectId} FOR UPDATE`.execute(db);
    return row.rows.length > 0;
  },
};

/** The dialect pieces of a Kysely instance's database. */
export function sqlDialect<DB>(db: Kysely<DB>): SqlDialect {
  return dialectOf(db) === 'postgres' ? POSTGRES : SQLITE;
}

/** A boolean column read from either database (0/1 or true/false). */
export function readBoolean(value: number | boolean): boolean {
  return value === true || value === 1;
}

/** A JSON column read from either database: SQLite gives the text, pg may give the value. */
export function readJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * Column types of the migrations in each database. SQLite keeps the types its released
 * migrations always created (it has no boolean, timestamp or JSON type); PostgreSQL gets the
 * honest ones.
 */
export interface ColumnTypes {
  readonly timestamp: 'text' | 'timestamptz';
  readonly boolean: 'integer' | 'boolean';
  readonly json: 'text' | 'json';
  /** 001's `real`: a 4-byte float in PostgreSQL, so `double precision` there. */
  readonly float: 'real' | 'double precision';
}

export function columnTypes<DB>(db: Kysely<DB>): ColumnTypes {
  return dialectOf(db) === 'postgres'
    ? { timestamp: 'timestamptz', boolean: 'boolean', json: 'json', float: 'double precision' }
    : { timestamp: 'text', boolean: 'integer', json: 'text', float: 'real' };
}
