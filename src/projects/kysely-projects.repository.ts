import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { PageWindow } from '../common/pagination';
import { InjectDatabase } from '../database/database.constants';
import { sqlDialect } from '../database/dialect';
import type { DatabaseSchema, ProjectRow } from '../database/schema';
import type { SegmentDraft } from './segments/segment.types';
import { insertSegmentRows } from './segments/segment-rows';
import type { Project, ProjectStatus, ProjectSummary } from './project.types';
import { ProjectsRepository } from './projects.repository';

/**
 * ProjectsRepository through Kysely, on SQLite or PostgreSQL (the SQL is the same but for the
 * insertion-order tie-break, see `sqlDialect`). Segments go with their project by the foreign
 * key's ON DELETE CASCADE, in both.
 */
@Injectable()
export class KyselyProjectsRepository extends ProjectsRepository {
  constructor(@InjectDatabase() private readonly db: Kysely<DatabaseSchema>) {
    super();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('projects')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async list(window: PageWindow): Promise<ProjectSummary[]> {
    const rows = await this.db
      .selectFrom('projects')
      .selectAll('projects')
      .select((eb) =>
        eb
          .selectFrom('segments')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('segments.project_id', '=', 'projects.id')
          .as('segment_count'),
      )
      .orderBy('projects.created_at', 'desc')
      // Same millisecond: the later insert first.
      .orderBy(sqlDialect(this.db).insertionOrder('projects'), 'desc')
      .limit(window.size)
      .offset(window.offset)
      .execute();
    return rows.map((row) => ({ ...toProject(row), segmentCount: Number(row.segment_count ?? 0) }));
  }

  async findById(id: string): Promise<Project | undefined> {
    const row = await this.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toProject(row);
  }

  async create(project: Project, segments: readonly SegmentDraft[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('projects')
        .values({
          id: project.id,
          title: project.title,
          status: project.status,
          resolution_width: project.resolutionWidth,
          resolution_height: project.resolutionHeight,
          framerate: project.framerate,
          created_at: project.createdAt,
          updated_at: project.updatedAt,
        })
        .execute();
      await insertSegmentRows(trx, project.id, segments, 0);
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    title: row.title,
    status: row.status as ProjectStatus,
    resolutionWidth: row.resolution_width,
    resolutionHeight: row.resolution_height,
    framerate: row.framerate,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
