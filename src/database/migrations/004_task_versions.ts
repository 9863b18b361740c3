import { Kysely, Migration } from 'kysely';
import { columnTypes } from '../dialect';

/**
 * Task records written through before each version is shown (issue 18): the version (so an
 * ETag never repeats after a restart), the process that owns the task (restore fails only
 * tasks of processes that are gone) and the bookkeeping a restore needs (segments in
 * progress, claims, audio being recorded), as JSON (`text` in SQLite, `json` in PostgreSQL).
 */
export const taskVersionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('tasks')
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('tasks').addColumn('owner', 'text').execute();
    await db.schema.alterTable('tasks').addColumn('state', columnTypes(db).json).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('tasks').dropColumn('state').execute();
    await db.schema.alterTable('tasks').dropColumn('owner').execute();
    await db.schema.alterTable('tasks').dropColumn('version').execute();
  },
};
