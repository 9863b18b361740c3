import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Migration } from 'kysely';
import type { Pool } from 'pg';
import { appConfig } from '../config/app.config';
import { Database, DATABASE, DATABASE_MIGRATIONS, DATABASE_POOL } from './database.constants';
import { MIGRATIONS } from './migrations';
import { OpenedDatabase, openDatabase } from './open-database';

/** DI token of what `openDatabase` returned (internal to this module). */
const OPENED_DATABASE = Symbol('OPENED_DATABASE');

/**
 * The configured database behind a Kysely instance: the embedded SQLite file
 * (`<dataDir>/storyflow.db`) when DATABASE_URL is unset, else the PostgreSQL server it names,
 * through a pg pool. Migrated at start and closed on shutdown, after every module has stopped
 * using it. Exports the Kysely instance (`DATABASE`) and the pool (`DATABASE_POOL`, null for
 * SQLite).
 */
@Global()
@Module({
  providers: [
    { provide: DATABASE_MIGRATIONS, useValue: MIGRATIONS },
    {
      provide: OPENED_DATABASE,
      inject: [appConfig.KEY, DATABASE_MIGRATIONS],
      useFactory: (config: ConfigType<typeof appConfig>, migrations: Record<string, Migration>) =>
        openDatabase(config.database, migrations),
    },
    {
      provide: DATABASE,
      inject: [OPENED_DATABASE],
      useFactory: (opened: OpenedDatabase): Database => opened.db,
    },
    {
      provide: DATABASE_POOL,
      inject: [OPENED_DATABASE],
      useFactory: (opened: OpenedDatabase): Pool | null => opened.pool,
    },
  ],
  exports: [DATABASE, DATABASE_POOL],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    // Kysely's destroy ends the pg pool too (or closes the SQLite file).
    await this.db.destroy();
  }
}
