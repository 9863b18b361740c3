import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import SQLite from 'better-sqlite3';
import pg, { type Pool } from 'pg';
import {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  Kysely,
  Migration,
  MigrationProvider,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { DatabaseConfig } from '../config/app.config';
import type { Database } from './database.constants';
import type { DatabaseSchema } from './schema';

/** Hands Kysely's Migrator a fixed list instead of scanning a folder. */
class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Readonly<Record<string, Migration>>) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve({ ...this.migrations });
  }
}

/**
 * Transactions start with `BEGIN IMMEDIATE`: they take the write lock first, waiting for it
 * under `busy_timeout`. A deferred `BEGIN` that reads then writes must upgrade its lock, and
 * SQLite may answer SQLITE_BUSY at once instead of waiting when another process holds it.
 */
class ImmediateTransactionsDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class StoryflowSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionsDriver(this.config);
  }
}

/** What `openDatabase` opened: the Kysely instance and, for PostgreSQL, its connection pool. */
export interface OpenedDatabase {
  db: Database;
  /** The pg pool behind `db` (PostgreSQL only): metrics read its counts. */
  pool: Pool | null;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(
  config: DatabaseConfig,
  migrations: Readonly<Record<string, Migration>>,
  logger = new Logger('Database'),
): Promise<OpenedDatabase> {
  if (config.dialect === 'postgres')
    return openPostgres(config.url, config.poolMax, migrations, logger);
  return { db: await openSqlite(config.file, migrations, logger), pool: null };
}

/**
 * Opens (creating it and its folder if needed) the SQLite file, sets the pragmas and brings
 * the schema up to date. Throws, with the database closed, if a migration fails.
 */
export async function openSqlite(
  file: string,
  migrations: Readonly<Record<string, Migration>>,
  logger = new Logger('Database'),
): Promise<Database> {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL: readers never block the writer. NORMAL is durable enough with WAL (a power cut may
  // lose the last commits, never corrupt the file). busy_timeout covers another process
  // (a CLI, a backup) holding the lock for a moment.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  cacheStatements(sqlite);

  const db = new Kysely<DatabaseSchema>({
    dialect: new StoryflowSqliteDialect({ database: sqlite }),
  });
  await migrate(db, migrations, logger);
  return db;
}

/** Statements kept prepared, by SQL text (the hot ones are a few dozen). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query it runs (`db.prepare(sql)`), and preparing
 * costs ~15× running a small statement (measured here: ~55 µs vs ~3 µs on a busy machine;
 * a generated segment runs ten of them on the event loop; docs/PERFORMANCE.md, row 2c).
 * The same SQL text is prepared once and its statement reused: Kysely runs one query at a
 * time on its one connection, and a statement still iterating (an unfinished stream) is
 * never handed out again. Oldest first out past STATEMENT_CACHE_SIZE.
 */
function cacheStatements(sqlite: SQLite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite) as (source: string) => SQLite.Statement;
  const cache = new Map<string, SQLite.Statement>();
  const cached = (source: string): SQLite.Statement => {
    const hit = cache.get(source);
    if (hit && !hit.busy) return hit;
    const statement = prepare(source);
    if (!hit) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(source, statement);
    }
    return statement;
  };
  sqlite.prepare = cached as typeof sqlite.prepare;
}

/** OID of `timestamptz`. */
const TIMESTAMPTZ_OID = 1184;

/**
 * `timestamptz` values come back as the ISO 8601 strings the domain uses (the SQLite mode
 * stores exactly those), not as `Date`s; every other type as pg parses it by default.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') {
      const parseDate = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (v: string) => Date;
      return (value: string) => parseDate(value).toISOString();
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * Connects a pool to the PostgreSQL server of `url` and brings the schema up to date.
 * Kysely's Migrator holds a PostgreSQL advisory lock (`pg_advisory_lock`) while it migrates, in
 * one transaction: processes starting at once wait for each other, and the later ones find
 * nothing left to do. Throws, with the pool closed, if the server cannot be reached or a
 * migration fails.
 */
export async function openPostgres(
  url: string,
  poolMax: number,
  migrations: Readonly<Record<string, Migration>>,
  logger = new Logger('Database'),
): Promise<OpenedDatabase> {
  // A server that does not answer fails a query (and the health check) after 10 s instead of
  // leaving it waiting forever (pg's default).
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: 10_000,
    types: pgTypes,
  });
  // An idle client losing its server (restart, network) emits 'error' on the pool; without a
  // listener that would end the process. The next query gets a new connection.
  pool.on('error', (error) => logger.warn(`Idle PostgreSQL connection lost: ${error.message}`));
  // A client in use that loses its server fails its query and also emits 'error' on itself,
  // where the pool does not listen: without this listener that would end the process. The
  // pool drops such a client when it is released.
  pool.on('connect', (client) =>
    client.on('error', (error) => logger.warn(`PostgreSQL connection lost: ${error.message}`)),
  );
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  await migrate(db, migrations, logger);
  return { db, pool };
}

/** Applies the migrations not applied yet; closes the database and throws if one fails. */
async function migrate(
  db: Database,
  migrations: Readonly<Record<string, Migration>>,
  logger: Logger,
): Promise<void> {
  // Numbered migrations come from branches that land in any order (004 may land before 003):
  // a database that already has a later one still gets an earlier one added after it.
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrations),
    allowUnorderedMigrations: true,
  });
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const { error, results = [] } = outcome;
  for (const result of results) {
    if (result.status === 'Success') logger.log(`Applied migration ${result.migrationName}`);
    if (result.status === 'Error') logger.error(`Migration ${result.migrationName} failed`);
  }
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(`Migration failed: ${String(error)}`);
  }
}
