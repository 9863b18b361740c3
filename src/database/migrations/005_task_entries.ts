import { Kysely, Migration } from 'kysely';
import { columnTypes } from '../dialect';

/**
 * The segment lists of an unfinished task as rows, one per entry (issue 16, row 2c): a version
 * that settles a segment appends one row and rewrites the task's small head row, instead of
 * writing the whole snapshot again (O(N²) bytes over an N-segment batch). A finished task's
 * row holds its whole snapshot again and has no entry rows. `claims` keeps the claims of the
 * version written in full (a later one's are those minus the claims of its settled segments).
 */
export const taskEntriesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = columnTypes(db);
    await db.schema
      .createTable('task_entries')
      .addColumn('task_id', 'text', (col) =>
        col.notNull().references('tasks.id').onDelete('cascade'),
      )
      .addColumn('list', 'text', (col) => col.notNull())
      .addColumn('position', 'integer', (col) => col.notNull())
      .addColumn('entry', types.json, (col) => col.notNull())
      .addPrimaryKeyConstraint('task_entries_pk', ['task_id', 'list', 'position'])
      .execute();
    await db.schema.alterTable('tasks').addColumn('claims', types.json).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('tasks').dropColumn('claims').execute();
    await db.schema.dropTable('task_entries').execute();
  },
};
