import { Injectable } from '@nestjs/common';
import { Database, InjectDatabase } from '../../database/database.constants';
import { readJson } from '../../database/dialect';
import { PreparedQuery } from '../../database/prepared-query';
import { isTerminal, segmentClaim, snapshotOf, summaryOf } from '../task-transitions';
import type { CompletedSegment, TaskErrorEntry, TaskRecord, TaskSnapshot } from '../task.types';
import { TaskRecordRepository } from './task-record.repository';

/** SQLite's and PostgreSQL's limits on bound parameters per statement are well above this. */
const DELETE_CHUNK = 500;
/** Entry rows per INSERT (4 parameters each). */
const INSERT_CHUNK = 200;

/** The bookkeeping a snapshot does not carry, as the `state` column holds it. */
interface StoredState {
  inProgress?: readonly string[];
  recording?: readonly Readonly<CompletedSegment>[];
  /** Rows written before migration 005 kept the claims here. */
  claims?: readonly string[];
  /** The segment lists are rows of `task_entries` (an unfinished task, written by 005 on). */
  entries?: true;
}

type EntryList = 'completed' | 'errors';

/**
 * The list of `task_entries` that holds an unfinished task's claims: one row (position 0), the
 * JSON array of the claims of the version written in full. Not in the `tasks` row: SQLite
 * rewrites a whole row, overflow pages included, on every UPDATE, and a 1,000-segment batch's
 * claims (~47 KB) made every version of it write ~12 pages more (strace of a batch: ~94
 * `pwrite64` per segment on the event loop; docs/PERFORMANCE.md).
 */
const CLAIMS_LIST = 'claims';

/**
 * Task records in the `tasks` table (SQLite or PostgreSQL, through Kysely), written so that
 * the bytes of one version do not grow with the task (issue 16, row 2c):
 *
 * - an **unfinished** task's row holds its snapshot without the segment lists, and the
 *   bookkeeping whose size is bounded by the workers (segments in progress, audio being
 *   recorded); each entry of `completed_segments` and `errors` is a row of `task_entries`,
 *   keyed by its list and position. A version made from the previous one (`previous`) updates
 *   the row and inserts only the entries appended since, in one transaction;
 * - a **finished** task's row holds its whole snapshot, exactly what pollers are sent, and no
 *   entry rows (deleted in the transaction that writes it);
 * - `claims` are those of the version written in full (an entry row of list `claims`, written
 *   with it; rows written before this kept them in the `claims` column, still read); a later
 *   version's are those minus the claims of its settled segments, which is how
 *   task-transitions.ts lets claims go.
 *
 * An older version never overwrites a newer one (the row's version is compared in SQL, and
 * entries are only written by the write that updated the row). Entry rows are inserted
 * idempotently (same list and position = same entry, versions being immutable), so several
 * processes writing versions of one task in turn (the Redis store) stay correct.
 */
@Injectable()
export class KyselyTaskRecordRepository extends TaskRecordRepository {
  /** Tasks whose last write failed here: the next one is written in full. */
  private readonly unsure = new Set<string>();
  /**
   * The statements every version runs, compiled once (database/prepared-query.ts): a version's
   * row, and the one entry a settled segment appends.
   */
  private readonly updateHead: PreparedQuery<
    [status: string, snapshot: string, version: number, owner: string, state: string, id: string]
  >;
  private readonly insertEntry: PreparedQuery<
    [taskId: string, list: string, position: number, entry: string]
  >;

  constructor(@InjectDatabase() private readonly db: Database) {
    super();
    this.updateHead = new PreparedQuery(6, (arg) =>
      db
        .updateTable('tasks')
        .set({ status: arg(0), snapshot: arg(1), version: arg(2), owner: arg(3), state: arg(4) })
        .where('id', '=', arg(5))
        .where('version', '<', arg(2)),
    );
    this.insertEntry = new PreparedQuery(4, (arg) =>
      db
        .insertInto('task_entries')
        .values({ task_id: arg(0), list: arg(1), position: arg(2), entry: arg(3) })
        .onConflict((oc) => oc.columns(['task_id', 'list', 'position']).doNothing()),
    );
  }

  async loadAll(): Promise<TaskRecord[]> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['snapshot', 'labels', 'version', 'owner', 'state', 'claims'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const entries = await this.loadEntries();
    return rows.map((row) => {
      const snapshot = readJson<TaskSnapshot>(row.snapshot);
      const state = (row.state ? readJson(row.state) : {}) as StoredState;
      const id = snapshot.task_id;
      const completed = [
        ...snapshot.completed_segments,
        ...((entries.get(id)?.completed ?? []) as CompletedSegment[]),
      ];
      const errors = [...snapshot.errors, ...((entries.get(id)?.errors ?? []) as TaskErrorEntry[])];
      const claims = isTerminal(snapshot.status)
        ? []
        : claimsLeft(
            (entries.get(id)?.claims[0] as string[] | undefined) ??
              (row.claims ? readJson<string[]>(row.claims) : null) ??
              state.claims ??
              [],
            completed,
            errors,
          );
      return {
        id,
        version: Number(row.version),
        labels: readJson<Record<string, string>>(row.labels),
        status: snapshot.status,
        current: snapshot.progress.current,
        total: snapshot.progress.total,
        inProgress: state.inProgress ?? [],
        completed,
        errors,
        claims,
        recording: state.recording ?? [],
        owner: row.owner ?? '',
        createdAt: snapshot.created_at,
        startedAt: snapshot.started_at,
        finishedAt: snapshot.finished_at,
      };
    });
  }

  async save(task: TaskRecord, previous?: TaskRecord): Promise<void> {
    const incremental =
      previous !== undefined &&
      previous.id === task.id &&
      previous.version < task.version &&
      previous.completed.length <= task.completed.length &&
      previous.errors.length <= task.errors.length &&
      !isTerminal(task.status) &&
      !this.unsure.has(task.id);
    try {
      if (incremental) {
        await this.saveChange(task, previous);
      } else {
        await this.saveWhole(task);
        this.unsure.delete(task.id);
      }
    } catch (error) {
      this.unsure.add(task.id);
      throw error;
    }
  }

  async removeMany(taskIds: readonly string[]): Promise<void> {
    for (let i = 0; i < taskIds.length; i += DELETE_CHUNK) {
      const chunk = taskIds.slice(i, i + DELETE_CHUNK);
      // Entry rows go with their task (ON DELETE CASCADE); said here too, in case the
      // database does not enforce foreign keys.
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('task_entries').where('task_id', 'in', chunk).execute();
        await trx.deleteFrom('tasks').where('id', 'in', chunk).execute();
      });
    }
    for (const id of taskIds) this.unsure.delete(id);
  }

  /** The version made from `previous`: the row, and the entries appended since. */
  private async saveChange(task: TaskRecord, previous: TaskRecord): Promise<void> {
    const update = (db: Database) =>
      this.updateHead.run(
        db,
        task.status,
        headJson(task),
        task.version,
        task.owner,
        stateJson(task),
        task.id,
      );
    const appended =
      task.completed.length > previous.completed.length ||
      task.errors.length > previous.errors.length;
    if (!appended) {
      // One statement: atomic by itself.
      await update(this.db);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      const result = await update(trx);
      if (Number(result.numAffectedRows ?? 0) === 0) return; // a newer version is stored
      await this.insertEntries(
        trx,
        task.id,
        'completed',
        task.completed,
        previous.completed.length,
      );
      await this.insertEntries(trx, task.id, 'errors', task.errors, previous.errors.length);
    });
  }

  /** Entries `from` on of a list, as rows (idempotent: an existing position is kept). */
  private async insertEntries(
    db: Database,
    taskId: string,
    list: EntryList | typeof CLAIMS_LIST,
    entries: readonly unknown[],
    from: number,
  ): Promise<void> {
    if (entries.length - from === 1) {
      await this.insertEntry.run(db, taskId, list, from, JSON.stringify(entries[from]));
      return;
    }
    for (let start = from; start < entries.length; start += INSERT_CHUNK) {
      const values = entries.slice(start, start + INSERT_CHUNK).map((entry, i) => ({
        task_id: taskId,
        list,
        position: start + i,
        entry: JSON.stringify(entry),
      }));
      await db
        .insertInto('task_entries')
        .values(values)
        .onConflict((oc) => oc.columns(['task_id', 'list', 'position']).doNothing())
        .execute();
    }
  }

  /** The whole record: a new task, a finished one, or one this process is unsure of. */
  private async saveWhole(task: TaskRecord): Promise<void> {
    const terminal = isTerminal(task.status);
    const row = {
      id: task.id,
      status: task.status,
      created_at: task.createdAt,
      labels: JSON.stringify(task.labels),
      snapshot: terminal ? JSON.stringify(snapshotOf(task)) : headJson(task),
      version: task.version,
      owner: task.owner,
      state: terminal ? JSON.stringify({}) : stateJson(task),
      claims: null,
    };
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('tasks')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet({
              status: row.status,
              snapshot: row.snapshot,
              version: row.version,
              owner: row.owner,
              state: row.state,
              claims: row.claims,
            })
            .where('tasks.version', '<', row.version),
        )
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return; // a newer version is stored
      await trx.deleteFrom('task_entries').where('task_id', '=', task.id).execute();
      if (terminal) return;
      await this.insertEntries(trx, task.id, CLAIMS_LIST, [task.claims], 0);
      await this.insertEntries(trx, task.id, 'completed', task.completed, 0);
      await this.insertEntries(trx, task.id, 'errors', task.errors, 0);
    });
  }

  /** Entry rows by task, each list in order. */
  private async loadEntries(): Promise<
    Map<string, Record<EntryList | typeof CLAIMS_LIST, unknown[]>>
  > {
    const rows = await this.db
      .selectFrom('task_entries')
      .select(['task_id', 'list', 'entry'])
      .orderBy('task_id')
      .orderBy('list')
      .orderBy('position')
      .execute();
    const out = new Map<string, Record<EntryList | typeof CLAIMS_LIST, unknown[]>>();
    for (const row of rows) {
      let lists = out.get(row.task_id);
      if (!lists) out.set(row.task_id, (lists = { completed: [], errors: [], claims: [] }));
      if (row.list === 'completed' || row.list === 'errors' || row.list === CLAIMS_LIST) {
        lists[row.list].push(readJson(row.entry));
      }
    }
    return out;
  }
}

/** The snapshot without its segment lists (they are entry rows), as JSON. */
function headJson(task: TaskRecord): string {
  const { task_id, status, progress, created_at, started_at, finished_at } = summaryOf(task);
  const head: TaskSnapshot = {
    task_id,
    status,
    progress,
    completed_segments: [],
    errors: [],
    created_at,
    started_at,
    finished_at,
  };
  return JSON.stringify(head);
}

function stateJson(task: TaskRecord): string {
  const state: StoredState = {
    inProgress: task.inProgress,
    recording: task.recording,
    entries: true,
  };
  return JSON.stringify(state);
}

/** The claims a task still holds: those written in full, minus its settled segments'. */
function claimsLeft(
  claims: readonly string[],
  completed: readonly CompletedSegment[],
  errors: readonly TaskErrorEntry[],
): string[] {
  const settled = new Set<string>();
  for (const entry of completed) settled.add(segmentClaim(entry.segment_id));
  for (const entry of errors) if (entry.segment_id) settled.add(segmentClaim(entry.segment_id));
  return claims.filter((claim) => !settled.has(claim));
}
