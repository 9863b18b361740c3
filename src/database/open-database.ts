import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  Kysely,
  Migration,
  MigrationProvider,
  Migrator,
  SqliteDialect,
  SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
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

/**
 * Opens (creating it and its folder if needed) the SQLite file, sets the pragmas and brings
 * the schema up to date. Throws, with the database closed, if a migration fails.
 */
export async function openDatabase(
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

  const db = new Kysely<DatabaseSchema>({
    dialect: new StoryflowSqliteDialect({ database: sqlite }),
  });
  // Numbered migrations come from branches that land in any order (004 may land before 003):
  // a database that already has a later one still gets an earlier one added after it.
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrations),
    allowUnorderedMigrations: true,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const result of results) {
    if (result.status === 'Success') logger.log(`Applied migration ${result.migrationName}`);
    if (result.status === 'Error') logger.error(`Migration ${result.migrationName} failed`);
  }
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(`Migration failed: ${String(error)}`);
  }
  return db;
}
