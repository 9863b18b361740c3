import type { Kysely } from 'kysely';
import { newId } from '../../database/ids';
import type {
  DatabaseSchema,
  NewSegmentRow,
  SegmentRow,
  SegmentRowUpdate,
} from '../../database/schema';
import type { Segment, SegmentChanges, SegmentDraft } from './segment.types';

/** Rows per INSERT: 9 parameters each, well under SQLite's 32,766-parameter limit. */
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
    isLocked: row.is_locked === 1,
    imageFile: row.image_file,
  };
}

/** Domain changes as a column update. */
export function toSegmentUpdate(changes: SegmentChanges): SegmentRowUpdate {
  const update: SegmentRowUpdate = {};
  if (changes.textContent !== undefined) update.text_content = changes.textContent;
  if (changes.imagePrompt !== undefined) update.image_prompt = changes.imagePrompt;
  if (changes.isLocked !== undefined) update.is_locked = changes.isLocked ? 1 : 0;
  if (changes.audioFile !== undefined) update.audio_file = changes.audioFile;
  if (changes.audioDuration !== undefined) update.audio_duration = changes.audioDuration;
  if (changes.imageFile !== undefined) update.image_file = changes.imageFile;
  return update;
}

/**
 * Inserts drafts as segments of a project from position `firstIndex` on. Shared by both
 * SQLite adapters (a project import writes its segments in the same transaction);
 * run it inside a transaction.
 */
export async function insertSegmentRows(
  db: Kysely<DatabaseSchema>,
  projectId: string,
  drafts: readonly SegmentDraft[],
  firstIndex: number,
): Promise<Segment[]> {
  const rows: NewSegmentRow[] = drafts.map((draft, i) => ({
    id: newId(),
    project_id: projectId,
    sequence_index: firstIndex + i,
    text_content: draft.textContent,
    image_prompt: draft.imagePrompt,
    audio_file: null,
    audio_duration: null,
    is_locked: 0,
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
      is_locked: 0,
      image_file: null,
    }),
  );
}
