import { join } from 'node:path';
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Migration } from 'kysely';
import type { AppConfig } from '../config/app.config';
import { Database, DATABASE, DATABASE_FILE_NAME, DATABASE_MIGRATIONS } from './database.constants';
import { MIGRATIONS } from './migrations';
import { openDatabase } from './open-database';

/**
 * The embedded SQLite database (`<dataDir>/storyflow.db`) behind a Kysely instance,
 * migrated at start and closed on shutdown, after every module has stopped using it.
 */
@Global()
@Module({
  providers: [
    { provide: DATABASE_MIGRATIONS, useValue: MIGRATIONS },
    {
      provide: DATABASE,
      inject: [ConfigService, DATABASE_MIGRATIONS],
      useFactory: (config: ConfigService, migrations: Record<string, Migration>) =>
        openDatabase(
          join(config.getOrThrow<AppConfig>('app').dataDir, DATABASE_FILE_NAME),
          migrations,
        ),
    },
  ],
  exports: [DATABASE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
