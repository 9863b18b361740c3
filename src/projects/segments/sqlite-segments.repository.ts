import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { PageWindow } from '../../common/pagination';
import { InjectDatabase } from '../../database/database.constants';
import type { DatabaseSchema } from '../../database/schema';
import type { Segment, SegmentChanges, SegmentDraft } from './segment.types';
import { SegmentsRepository } from './segments.repository';
import { insertSegmentRows, toSegment, toSegmentUpdate } from './sqlite-segment-rows';

/** SegmentsRepository on SQLite through Kysely. */
@Injectable()
export class SqliteSegmentsRepository extends SegmentsRepository {
  constructor(@InjectDatabase() private readonly db: Kysely<DatabaseSchema>) {
    super();
  }

  transaction<T>(work: (repository: SegmentsRepository) => Promise<T>): Promise<T> {
    // Kysely's SQLite driver has one connection behind a mutex: the transaction holds it,
    // so nothing else runs in between (serializable for this process).
    return this.db.transaction().execute((trx) => work(new SqliteSegmentsRepository(trx)));
  }

  async projectExists(projectId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('projects')
      .select('id')
      .where('id', '=', projectId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async countByProject(projectId: string): Promise<number> {
    const row = await this.db
      .selectFrom('segments')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async listByProject(projectId: string, window?: PageWindow): Promise<Segment[]> {
    let query = this.db
      .selectFrom('segments')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('sequence_index');
    if (window) query = query.limit(window.size).offset(window.offset);
    return (await query.execute()).map(toSegment);
  }

  async findById(id: string): Promise<Segment | undefined> {
    const row = await this.db
      .selectFrom('segments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSegment(row);
  }

  async append(projectId: string, drafts: readonly SegmentDraft[]): Promise<Segment[]> {
    const { last } = await this.db
      .selectFrom('segments')
      .select((eb) => eb.fn.max('sequence_index').as('last'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return insertSegmentRows(this.db, projectId, drafts, last === null ? 0 : Number(last) + 1);
  }

  async update(id: string, changes: SegmentChanges): Promise<Segment | undefined> {
    const update = toSegmentUpdate(changes);
    if (Object.keys(update).length === 0) return this.findById(id);
    const row = await this.db
      .updateTable('segments')
      .set(update)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toSegment(row);
  }

  async delete(id: string): Promise<Segment | undefined> {
    const row = await this.db
      .deleteFrom('segments')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toSegment(row);
  }

  async applyOrder(projectId: string, orderedIds: readonly string[]): Promise<void> {
    // The unique (project_id, sequence_index) index is checked row by row, so a permutation
    // applied in one pass can collide with itself. Park every row on a negative index first,
    // then give each its final position with one UPDATE (json_each maps id → position).
    await this.db
      .updateTable('segments')
      .set({ sequence_index: sql<number>`-1 - sequence_index` })
      .where('project_id', '=', projectId)
      .execute();
    await sql`
      UPDATE segments
         SET sequence_index = (SELECT CAST(o.key AS INTEGER) FROM json_each(${JSON.stringify(orderedIds)}) AS o
                                WHERE o.value = segments.id)
       WHERE project_id = ${projectId}`.execute(this.db);
  }
}
