import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'kysely';
import { Database, InjectDatabase } from '../database/database.constants';

/**
 * The configured database (the SQLite file, or the PostgreSQL server of DATABASE_URL) answers a
 * `select 1` through the application's Kysely instance (for PostgreSQL, on a pool connection).
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDatabase() private readonly db: Database,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string) {
    const indicator = this.health.check(key);
    try {
      await sql`select 1`.execute(this.db);
      return indicator.up();
    } catch {
      // The driver's message may name the file; the report is public.
      return indicator.down({ message: 'Database query failed' });
    }
  }
}
