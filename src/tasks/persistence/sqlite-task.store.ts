import { Injectable } from '@nestjs/common';
import { Database, InjectDatabase } from '../../database/database.constants';
import type { TaskSnapshot } from '../task.types';
import { StoredTask, TaskStore, TaskToSave } from '../task-store.port';

/** SQLite's default limit on bound parameters per statement is well above this. */
const DELETE_CHUNK = 500;

/** Task records in the `tasks` table of storyflow.db, one JSON snapshot per task. */
@Injectable()
export class SqliteTaskStore extends TaskStore {
  constructor(@InjectDatabase() private readonly db: Database) {
    super();
  }

  async loadAll(): Promise<StoredTask[]> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['snapshot', 'labels'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      snapshot: JSON.parse(row.snapshot) as TaskSnapshot,
      labels: JSON.parse(row.labels) as Record<string, string>,
    }));
  }

  async saveMany(tasks: TaskToSave[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const task of tasks) {
        const row = {
          id: task.taskId,
          status: task.status,
          created_at: task.createdAt,
          labels: JSON.stringify(task.labels),
          snapshot: task.snapshotJson,
        };
        await tx
          .insertInto('tasks')
          .values(row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({ status: row.status, snapshot: row.snapshot }),
          )
          .execute();
      }
    });
  }

  async removeMany(taskIds: string[]): Promise<void> {
    for (let i = 0; i < taskIds.length; i += DELETE_CHUNK) {
      await this.db
        .deleteFrom('tasks')
        .where('id', 'in', taskIds.slice(i, i + DELETE_CHUNK))
        .execute();
    }
  }
}
