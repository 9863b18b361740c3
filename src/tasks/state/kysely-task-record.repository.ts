import { Injectable } from '@nestjs/common';
import { Database, InjectDatabase } from '../../database/database.constants';
import { readJson } from '../../database/dialect';
import type { TaskRecord, TaskSnapshot } from '../task.types';
import { TaskRecordRepository } from './task-record.repository';

/** SQLite's and PostgreSQL's limits on bound parameters per statement are well above this. */
const DELETE_CHUNK = 500;

/** The part of a record a snapshot does not carry. */
type Bookkeeping = Pick<TaskRecord, 'inProgress' | 'claims' | 'recording'>;

/**
 * Task records in the `tasks` table (SQLite or PostgreSQL, through Kysely): the snapshot JSON
 * plus the bookkeeping. The upsert keeps the newest version in both.
 */
@Injectable()
export class KyselyTaskRecordRepository extends TaskRecordRepository {
  constructor(@InjectDatabase() private readonly db: Database) {
    super();
  }

  async loadAll(): Promise<TaskRecord[]> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['snapshot', 'labels', 'version', 'owner', 'state'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => {
      const snapshot = readJson<TaskSnapshot>(row.snapshot);
      const state = (row.state ? readJson(row.state) : {}) as Partial<Bookkeeping>;
      return {
        id: snapshot.task_id,
        version: Number(row.version),
        labels: readJson<Record<string, string>>(row.labels),
        status: snapshot.status,
        current: snapshot.progress.current,
        total: snapshot.progress.total,
        inProgress: state.inProgress ?? [],
        completed: snapshot.completed_segments,
        errors: snapshot.errors,
        claims: state.claims ?? [],
        recording: state.recording ?? [],
        owner: row.owner ?? '',
        createdAt: snapshot.created_at,
        startedAt: snapshot.started_at,
        finishedAt: snapshot.finished_at,
      };
    });
  }

  async save(task: TaskRecord, snapshotJson: string): Promise<void> {
    const bookkeeping: Bookkeeping = {
      inProgress: task.inProgress,
      claims: task.claims,
      recording: task.recording,
    };
    const row = {
      id: task.id,
      status: task.status,
      created_at: task.createdAt,
      labels: JSON.stringify(task.labels),
      snapshot: snapshotJson,
      version: task.version,
      owner: task.owner,
      state: JSON.stringify(bookkeeping),
    };
    await this.db
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
          })
          .where('tasks.version', '<', row.version),
      )
      .execute();
  }

  async removeMany(taskIds: readonly string[]): Promise<void> {
    for (let i = 0; i < taskIds.length; i += DELETE_CHUNK) {
      await this.db
        .deleteFrom('tasks')
        .where('id', 'in', taskIds.slice(i, i + DELETE_CHUNK))
        .execute();
    }
  }
}
