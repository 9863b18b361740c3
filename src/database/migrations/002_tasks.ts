import { Kysely, Migration } from 'kysely';

/** Durable copies of background task records (see TaskStore). Frozen once released. */
export const tasksMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (col) => col.primaryKey().notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('labels', 'text', (col) => col.notNull())
      .addColumn('snapshot', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('tasks_created_at_idx').on('tasks').column('created_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('tasks').execute();
  },
};
