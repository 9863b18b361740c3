import { Injectable } from '@nestjs/common';
import { Kysely, sql } from 'kysely';
import type { PageWindow } from '../../common/pagination';
import { InjectDatabase } from '../../database/database.constants';
import { SqlDialect, sqlDialect } from '../../database/dialect';
import { PreparedQuery } from '../../database/prepared-query';
import type { DatabaseSchema, SegmentRow, SegmentRowUpdate } from '../../database/schema';
import { ProjectNotFoundError } from '../project.errors';
import type { Segment, SegmentChanges, SegmentDraft } from './segment.types';
import { SegmentsRepository } from './segments.repository';
import { insertSegmentRows, toSegment, toSegmentUpdate } from './segment-rows';

/** Ids per UPDATE of a reorder: 2 parameters each, plus the project id. */
const ORDER_CHUNK = 500;

/**
 * The statements every generated segment runs (`findById`, `update` of its audio), compiled
 * once per database (database/prepared-query.ts) and shared by its transactions, which each
 * get a repository of their own. Keyed by the database's dialect adapter, which a Kysely
 * instance and its transactions share.
 */
interface SegmentStatements {
  find: PreparedQuery<[id: string], SegmentRow>;
  /** The same, locking the row (PostgreSQL, in a transaction). */
  findLocked: PreparedQuery<[id: string], SegmentRow>;
  /** An update by the columns it sets, in order (at most 2^6 sets), then the id. */
  updates: Map<string, PreparedQuery<unknown[], SegmentRow>>;
}

const statementsByDatabase = new WeakMap<object, SegmentStatements>();

/**
 * SegmentsRepository through Kysely, on SQLite or PostgreSQL.
 *
 * Transactions keep SQLite's guarantees under PostgreSQL's concurrency (READ COMMITTED) with
 * row locks taken inside a transaction:
 * - `projectExists` locks the project row (`FOR UPDATE`), so appends, reorders and imports of
 *   one project run one after another and `max(sequence_index) + 1` never races; a project
 *   deleted meanwhile is seen as gone.
 * - `findById` locks the segment row, so a read-check-write (lock rule, audio) is not
 *   overtaken by another writer of that segment.
 * SQLite needs neither: each transaction holds the database's write lock from its start
 * (BEGIN IMMEDIATE) and the driver's one connection runs nothing else in between.
 */
@Injectable()
export class KyselySegmentsRepository extends SegmentsRepository {
  private readonly dialect: SqlDialect;

  constructor(@InjectDatabase() private readonly db: Kysely<DatabaseSchema>) {
    super();
    this.dialect = sqlDialect(db);
  }

  transaction<T>(work: (repository: SegmentsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new KyselySegmentsRepository(trx)));
  }

  async projectExists(projectId: string): Promise<boolean> {
    if (this.db.isTransaction) return this.dialect.lockProject(this.db, projectId);
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
    const lock = this.db.isTransaction && this.dialect.name === 'postgres';
    const statements = this.statements();
    const { rows } = await (lock ? statements.findLocked : statements.find).run(this.db, id);
    return rows.length > 0 ? toSegment(rows[0]) : undefined;
  }

  async append(projectId: string, drafts: readonly SegmentDraft[]): Promise<Segment[]> {
    // Held until the transaction ends (PostgreSQL); the service checked the project in this
    // transaction already, which took the same lock, so this one is free.
    if (!(await this.dialect.lockProject(this.db, projectId))) throw new ProjectNotFoundError();
    const { last } = await this.db
      .selectFrom('segments')
      .select((eb) => eb.fn.max('sequence_index').as('last'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return insertSegmentRows(this.db, projectId, drafts, last === null ? 0 : Number(last) + 1);
  }

  async update(id: string, changes: SegmentChanges): Promise<Segment | undefined> {
    const update = toSegmentUpdate(changes, this.dialect);
    const columns = Object.keys(update) as (keyof SegmentRowUpdate)[];
    if (columns.length === 0) return this.findById(id);
    const { updates } = this.statements();
    const key = columns.join(',');
    let statement = updates.get(key);
    if (!statement) {
      statement = new PreparedQuery<unknown[], SegmentRow>(columns.length + 1, (arg) =>
        this.db
          .updateTable('segments')
          .set(Object.fromEntries(columns.map((column, i) => [column, arg(i)])))
          .where('id', '=', arg(columns.length))
          .returningAll(),
      );
      updates.set(key, statement);
    }
    const { rows } = await statement.run(this.db, ...columns.map((column) => update[column]), id);
    return rows.length > 0 ? toSegment(rows[0]) : undefined;
  }

  /** This database's prepared statements (see SegmentStatements). */
  private statements(): SegmentStatements {
    const key = this.db.getExecutor().adapter;
    let statements = statementsByDatabase.get(key);
    if (!statements) {
      statements = {
        find: new PreparedQuery(1, (arg) =>
          this.db.selectFrom('segments').selectAll().where('id', '=', arg(0)),
        ),
        findLocked: new PreparedQuery(1, (arg) =>
          this.db.selectFrom('segments').selectAll().where('id', '=', arg(0)).forUpdate(),
        ),
        updates: new Map(),
      };
      statementsByDatabase.set(key, statements);
    }
    return statements;
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
    await this.dialect.lockProject(this.db, projectId);
    // The unique (project_id, sequence_index) index is checked row by row in both databases,
    // so a permutation applied in one pass can collide with itself. Park every row on a
    // negative index first, then give each its final position: one UPDATE with a CASE per
    // chunk of ids (plain SQL both databases run; no json_each, no unnest).
    await this.db
      .updateTable('segments')
      .set({ sequence_index: sql<number>`-1 - sequence_index` })
      .where('project_id', '=', projectId)
      .execute();
    for (let start = 0; start < orderedIds.length; start += ORDER_CHUNK) {
      const chunk = orderedIds.slice(start, start + ORDER_CHUNK);
      const cases = sql.join(
        chunk.map((id, i) => sql`WHEN ${id} THEN ${sql.lit(start + i)}`),
        sql` `,
      );
      await this.db
        .updateTable('segments')
        .set({ sequence_index: sql<number>`CASE id ${cases} END` })
        .where('project_id', '=', projectId)
        .where('id', 'in', chunk)
        .execute();
    }
  }
}
