import { Kysely, Migration, sql } from 'kysely';
import { columnTypes, dialectOf } from '../dialect';

/**
 * Projects, segments and the settings row. Frozen once released: later changes go in a
 * new numbered migration, never here. The SQLite schema is exactly the released one;
 * PostgreSQL gets its own types (see `columnTypes`) and an identity column `row_seq` on
 * projects, the insertion order that SQLite's `rowid` gives.
 */
export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = columnTypes(db);
    const postgres = dialectOf(db) === 'postgres';
    let projects = db.schema
      .createTable('projects')
      .addColumn('id', 'text', (col) => col.primaryKey().notNull())
      .addColumn('title', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull().defaultTo('DRAFT'))
      .addColumn('resolution_width', 'integer', (col) => col.notNull().defaultTo(1920))
      .addColumn('resolution_height', 'integer', (col) => col.notNull().defaultTo(1080))
      .addColumn('framerate', 'integer', (col) => col.notNull().defaultTo(30))
      .addColumn('created_at', types.timestamp, (col) => col.notNull())
      .addColumn('updated_at', types.timestamp, (col) => col.notNull());
    if (postgres) {
      projects = projects.addColumn('row_seq', 'bigint', (col) =>
        col.notNull().generatedAlwaysAsIdentity(),
      );
    }
    await projects.execute();
    await db.schema
      .createIndex('projects_created_at_idx')
      .on('projects')
      .column('created_at')
      .execute();

    await db.schema
      .createTable('segments')
      .addColumn('id', 'text', (col) => col.primaryKey().notNull())
      .addColumn('project_id', 'text', (col) =>
        col.notNull().references('projects.id').onDelete('cascade'),
      )
      .addColumn('sequence_index', 'integer', (col) => col.notNull())
      .addColumn('text_content', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('image_prompt', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('audio_file', 'text')
      .addColumn('audio_duration', types.float)
      .addColumn('is_locked', types.boolean, (col) =>
        postgres
          ? col.notNull().defaultTo(false)
          : col
              .notNull()
              .defaultTo(0)
              .check(sql`is_locked IN (0, 1)`),
      )
      .execute();
    // Unique: two segments can never share a position. Reordering goes through a
    // temporary negative range so the permutation never collides with itself.
    await db.schema
      .createIndex('segments_project_sequence_uq')
      .on('segments')
      .columns(['project_id', 'sequence_index'])
      .unique()
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('id', 'integer', (col) =>
        col
          .primaryKey()
          .notNull()
          .check(sql`id = 1`),
      )
      .addColumn('default_voice_id', 'text', (col) => col.notNull())
      .addColumn('tts_speed', types.float, (col) => col.notNull())
      .addColumn('updated_at', types.timestamp, (col) => col.notNull())
      .execute();
    await sql`INSERT INTO settings (id, default_voice_id, tts_speed, updated_at)
              VALUES (1, 'af_bella', 1.0, ${new Date().toISOString()})`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('settings').execute();
    await db.schema.dropTable('segments').execute();
    await db.schema.dropTable('projects').execute();
  },
};
