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
    return (await this.answers()) || (await this.answers())
      ? indicator.up()
      : // The driver's message may name the file; the report is public.
        indicator.down({ message: 'Database query failed' });
  }

  /**
   * One `select 1`. A failed query takes its connection out of the pool, so the second try of
   * `check` runs on a fresh one: a pooled connection that the server closed (a restart, a
   * terminated backend) does not report a database that answers as down.
   */
  private async answers(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }
}
