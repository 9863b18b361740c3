import { Kysely, Migration } from 'kysely';
import { columnTypes } from '../dialect';

/**
 * Durable copies of background task records (see TaskStore). Frozen once released (the SQLite
 * schema; PostgreSQL gets `timestamptz` and `json`).
 */
export const tasksMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = columnTypes(db);
    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (col) => col.primaryKey().notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('created_at', types.timestamp, (col) => col.notNull())
      .addColumn('labels', types.json, (col) => col.notNull())
      .addColumn('snapshot', types.json, (col) => col.notNull())
      .execute();
    await db.schema.createIndex('tasks_created_at_idx').on('tasks').column('created_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('tasks').execute();
  },
};
