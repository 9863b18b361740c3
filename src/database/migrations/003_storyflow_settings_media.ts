import { Kysely, Migration, sql } from 'kysely';
import { columnTypes, dialectOf } from '../dialect';

/**
 * StoryFlow's whole settings object (subtitles, render, logo, custom font), uploaded logos,
 * and segment images. In SQLite booleans are 0/1 integers as `segments.is_locked` is and
 * timestamps ISO text; PostgreSQL gets `boolean` and `timestamptz`. Frozen once released.
 */
export const storyflowSettingsMediaMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = columnTypes(db);
    const postgres = dialectOf(db) === 'postgres';
    const bool = (value: boolean) => (postgres ? value : Number(value));
    const columns: [string, string, string | number | boolean][] = [
      ['inter_segment_silence', 'double precision', 0.3],
      ['subtitle_font_family', 'text', 'Arial'],
      ['subtitle_font_size', 'integer', 48],
      ['subtitle_font_color', 'text', '#FFFFFF'],
      ['subtitle_position', 'text', 'bottom'],
      ['subtitle_font', 'text', ''],
      ['subtitle_color', 'text', '#FFFFFF'],
      ['subtitles_enabled', types.boolean, bool(true)],
      ['render_width', 'integer', 1920],
      ['render_height', 'integer', 1080],
      ['render_fps', 'integer', 30],
      ['ken_burns_zoom', 'double precision', 1.2],
      ['transition_duration', 'double precision', 0.5],
      ['zoom_intensity', 'double precision', 1.3],
      ['logo_enabled', types.boolean, bool(false)],
      ['logo_scale', 'double precision', 0.15],
      ['logo_position', 'text', 'bottom-right'],
      ['logo_opacity', 'double precision', 1.0],
      ['logo_margin', 'integer', 20],
    ];
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    for (const [name, type, value] of columns) {
      await db.schema
        .alterTable('settings')
        .addColumn(name, sql.raw(type), (col) => col.notNull().defaultTo(value))
        .execute();
    }
    // Filled from updated_at just below; the SQLite column keeps its released '' default.
    await db.schema
      .alterTable('settings')
      .addColumn('created_at', types.timestamp, (col) =>
        col.notNull().defaultTo(postgres ? sql`now()` : ''),
      )
      .execute();
    await db.schema.alterTable('settings').addColumn('active_logo', 'text').execute();
    await db.schema.alterTable('settings').addColumn('custom_font_file', 'text').execute();
    await sql`UPDATE settings SET created_at = updated_at`.execute(db);

    await db.schema
      .createTable('logos')
      .addColumn('id', 'text', (col) => col.primaryKey().notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('file', 'text', (col) => col.notNull())
      .addColumn('uploaded_at', types.timestamp, (col) => col.notNull())
      .execute();

    await db.schema.alterTable('segments').addColumn('image_file', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('segments').dropColumn('image_file').execute();
    await db.schema.dropTable('logos').execute();
    for (const name of [
      'inter_segment_silence',
      'subtitle_font_family',
      'subtitle_font_size',
      'subtitle_font_color',
      'subtitle_position',
      'subtitle_font',
      'subtitle_color',
      'subtitles_enabled',
      'render_width',
      'render_height',
      'render_fps',
      'ken_burns_zoom',
      'transition_duration',
      'zoom_intensity',
      'logo_enabled',
      'logo_scale',
      'logo_position',
      'logo_opacity',
      'logo_margin',
      'created_at',
      'active_logo',
      'custom_font_file',
    ]) {
      await db.schema.alterTable('settings').dropColumn(name).execute();
    }
  },
};
