import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables, as Kysely sees them, in the SQLite file and in PostgreSQL alike. Column names
 * are the SQL ones (snake_case); repositories map rows to camelCase domain objects.
 * Types that differ (see `columnTypes` in dialect.ts): booleans are 0/1 in SQLite and
 * `boolean` in PostgreSQL (write them through `sqlDialect(db).boolean`, read them with
 * `readBoolean`); timestamps are ISO 8601 strings in both (`text` / `timestamptz` parsed back
 * to the same string); JSON is text in SQLite and `json` in PostgreSQL (read with `readJson`).
 */
export interface DatabaseSchema {
  projects: ProjectsTable;
  segments: SegmentsTable;
  settings: SettingsTable;
  logos: LogosTable;
  tasks: TasksTable;
  task_entries: TaskEntriesTable;
}

export interface ProjectsTable {
  /** UUID v4, lower case. */
  id: string;
  title: string;
  status: string;
  resolution_width: number;
  resolution_height: number;
  framerate: number;
  /** ISO 8601, UTC. */
  created_at: string;
  updated_at: string;
}

export interface SegmentsTable {
  id: string;
  project_id: string;
  /** 0-based position in the project; unique per project. */
  sequence_index: number;
  text_content: string;
  image_prompt: string;
  /** Path of the WAV relative to the media root (`projects/{pid}/audio/{sid}.wav`), or null. */
  audio_file: string | null;
  /** Seconds. */
  audio_duration: number | null;
  /** SQLite: 0 or 1; PostgreSQL: boolean. */
  is_locked: ColumnType<SqlBoolean, SqlBoolean | undefined, SqlBoolean>;
  /** Media path of the uploaded image (`projects/{pid}/images/{name}`), or null. */
  image_file: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * A single row (id = 1) holding StoryFlow's global settings; column names are the API's
 * field names. Booleans as `is_locked`.
 */
export interface SettingsTable {
  id: ColumnType<number, never, never>;
  default_voice_id: string;
  tts_speed: number;
  inter_segment_silence: number;
  subtitle_font_family: string;
  subtitle_font_size: number;
  subtitle_font_color: string;
  subtitle_position: string;
  subtitle_font: string;
  subtitle_color: string;
  subtitles_enabled: SqlBoolean;
  render_width: number;
  render_height: number;
  render_fps: number;
  ken_burns_zoom: number;
  transition_duration: number;
  zoom_intensity: number;
  logo_enabled: SqlBoolean;
  active_logo: string | null;
  logo_scale: number;
  logo_position: string;
  logo_opacity: number;
  logo_margin: number;
  /** Media path of the uploaded font (`fonts/{name}`), or null. */
  custom_font_file: string | null;
  created_at: string;
  updated_at: string;
}

/** Uploaded logos; `file` is a media path (`logos/{name}`). */
export interface LogosTable {
  id: string;
  name: string;
  file: string;
  uploaded_at: string;
}

/** A boolean column: 0/1 in SQLite, true/false in PostgreSQL. */
export type SqlBoolean = number | boolean;

/** A JSON column: written as JSON text; read as text (SQLite) or the parsed value (pg). */
export type SqlJson = ColumnType<unknown, string, string>;

export type ProjectRow = Selectable<ProjectsTable>;
export type SegmentRow = Selectable<SegmentsTable>;
export type NewSegmentRow = Insertable<SegmentsTable>;
export type SegmentRowUpdate = Updateable<SegmentsTable>;
export type SettingsRow = Selectable<SettingsTable>;
export type SettingsRowUpdate = Updateable<SettingsTable>;
export type LogoRow = Selectable<LogosTable>;

/** Durable copy of a background task (written through before each version is shown). */
export interface TasksTable {
  id: string;
  status: string;
  created_at: string;
  /** JSON object of string labels (kind, project_id...). */
  labels: SqlJson;
  /**
   * JSON of the last status snapshot: exactly what pollers were sent for a finished task; for
   * an unfinished one (written by 005 on) the same with empty segment lists, whose entries are
   * rows of `task_entries`.
   */
  snapshot: SqlJson;
  /** Version of that snapshot (0 for rows written before versions were stored). */
  version: ColumnType<number, number | undefined, number>;
  /** Process that runs the task: `<host>:<pid>:<hex>`. */
  owner: string | null;
  /**
   * JSON of the bookkeeping clients never see: TaskRecord's inProgress and recording (and,
   * in rows written before 005, claims); `entries: true` when the lists are in `task_entries`.
   */
  state: ColumnType<unknown, string | null, string | null>;
  /** JSON array of the claims of the version written in full (null before 005). */
  claims: ColumnType<unknown, string | null | undefined, string | null>;
}

/** One entry of an unfinished task's `completed_segments` or `errors` (migration 005). */
export interface TaskEntriesTable {
  task_id: string;
  /** 'completed' or 'errors'. */
  list: string;
  /** 0-based index in that list. */
  position: number;
  /** JSON of the entry, as the snapshot carries it. */
  entry: SqlJson;
}
