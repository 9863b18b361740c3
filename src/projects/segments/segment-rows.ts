import type { Kysely } from 'kysely';
import { readBoolean, type SqlDialect } from '../../database/dialect';
import { newId } from '../../database/ids';
import type {
  DatabaseSchema,
  NewSegmentRow,
  SegmentRow,
  SegmentRowUpdate,
} from '../../database/schema';
import type { Segment, SegmentChanges, SegmentDraft } from './segment.types';

/**
 * Rows per INSERT: 8 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535
 * parameter limits.
 */
const INSERT_CHUNK = 1000;

/** A `segments` row as a domain object. */
export function toSegment(row: SegmentRow): Segment {
  return {
    id: row.id,
    projectId: row.project_id,
    sequenceIndex: row.sequence_index,
    textContent: row.text_content,
    imagePrompt: row.image_prompt,
    audioFile: row.audio_file,
    audioDuration: row.audio_duration,
    isLocked: readBoolean(row.is_locked),
    imageFile: row.image_file,
  };
}

/** Domain changes as a column update. */
export function toSegmentUpdate(changes: SegmentChanges, dialect: SqlDialect): SegmentRowUpdate {
  const update: SegmentRowUpdate = {};
  if (changes.textContent !== undefined) update.text_content = changes.textContent;
  if (changes.imagePrompt !== undefined) update.image_prompt = changes.imagePrompt;
  if (changes.isLocked !== undefined) update.is_locked = dialect.boolean(changes.isLocked);
  if (changes.audioFile !== undefined) update.audio_file = changes.audioFile;
  if (changes.audioDuration !== undefined) update.audio_duration = changes.audioDuration;
  if (changes.imageFile !== undefined) update.image_file = changes.imageFile;
  return update;
}

/**
 * Inserts drafts as segments of a project from position `firstIndex` on (unlocked: the
 * column's default). Shared by the projects and segments adapters (a project import writes
 * its segments in the same transaction); run it inside a transaction.
 */
export async function insertSegmentRows(
  db: Kysely<DatabaseSchema>,
  projectId: string,
  drafts: readonly SegmentDraft[],
  firstIndex: number,
): Promise<Segment[]> {
  const rows: Omit<NewSegmentRow, 'is_locked'>[] = drafts.map((draft, i) => ({
    id: newId(),
    project_id: projectId,
    sequence_index: firstIndex + i,
    text_content: draft.textContent,
    image_prompt: draft.imagePrompt,
    audio_file: null,
    audio_duration: null,
  }));
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await db
      .insertInto('segments')
      .values(rows.slice(start, start + INSERT_CHUNK))
      .execute();
  }
  return rows.map((row) =>
    toSegment({
      ...row,
      audio_file: null,
      audio_duration: null,
      is_locked: false,
      image_file: null,
    }),
  );
}
