import type { Migration } from 'kysely';
import { initialMigration } from './001_initial';
import { tasksMigration } from './002_tasks';
import { storyflowSettingsMediaMigration } from './003_storyflow_settings_media';
import { taskVersionsMigration } from './004_task_versions';
import { taskEntriesMigration } from './005_task_entries';

/**
 * Every migration, by name; Kysely applies them in name order. Listed here rather than
 * read from the folder so they run the same under ts-jest and from `dist/`.
 * Add a new one as `'002_<what>': <migration>` and never rename or edit a released one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_initial': initialMigration,
  '002_tasks': tasksMigration,
  '003_storyflow_settings_media': storyflowSettingsMediaMigration,
  '004_task_versions': taskVersionsMigration,
  '005_task_entries': taskEntriesMigration,
};
