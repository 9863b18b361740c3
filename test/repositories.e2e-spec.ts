import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { DatabaseConfig } from '../src/config/app.config';
import { DATABASE_FILE_NAME, type Database } from '../src/database/database.constants';
import { newId } from '../src/database/ids';
import { MIGRATIONS } from '../src/database/migrations';
import { openDatabase } from '../src/database/open-database';
import { KyselySegmentsRepository } from '../src/projects/segments/kysely-segments.repository';
import type { SegmentDraft } from '../src/projects/segments/segment.types';
import { KyselyProjectsRepository } from '../src/projects/kysely-projects.repository';
import type { Project } from '../src/projects/project.types';
import { KyselySettingsRepository } from '../src/settings/kysely-settings.repository';
import { KyselyTaskRecordRepository } from '../src/tasks/state/kysely-task-record.repository';
import { readJson } from '../src/database/dialect';
import {
  applyChange,
  newTaskRecord,
  segmentClaim,
  TaskChange,
} from '../src/tasks/task-transitions';
import type { TaskRecord, TaskSnapshot } from '../src/tasks/task.types';
import { TaskViewCache } from '../src/tasks/task-view.cache';
import { createTestDatabase, type TestDatabase, testDatabaseMode } from './support/postgres';

/**
 * Contract of the storage adapters, on the database of this jest project: the SQLite file in
 * `e2e`, a fresh PostgreSQL database in `e2e-postgres`. The same expectations for both: types
 * come back as the domain's (booleans, floats, ISO timestamps, JSON), cascades, ordering,
 * transactions all-or-nothing.
 */
const mode = testDatabaseMode();

describe(`storage adapters on ${mode} (contract)`, () => {
  let db: Database;
  let dataDir: string;
  let pgDatabase: TestDatabase | undefined;
  let projects: KyselyProjectsRepository;
  let segments: KyselySegmentsRepository;
  let settings: KyselySettingsRepository;
  let records: KyselyTaskRecordRepository;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'storyflow-repo-'));
    let config: DatabaseConfig = { dialect: 'sqlite', file: join(dataDir, DATABASE_FILE_NAME) };
    if (mode === 'postgres') {
      pgDatabase = await createTestDatabase('repositories');
      config = { dialect: 'postgres', url: pgDatabase.url, poolMax: 5 };
    }
    const silent = new Logger('test');
    silent.log = () => undefined;
    ({ db } = await openDatabase(config, MIGRATIONS, silent));
    projects = new KyselyProjectsRepository(db);
    segments = new KyselySegmentsRepository(db);
    settings = new KyselySettingsRepository(db);
    records = new KyselyTaskRecordRepository(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await pgDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const project = (title: string, createdAt = new Date().toISOString()): Project => ({
    id: newId(),
    title,
    status: 'DRAFT',
    resolutionWidth: 1920,
    resolutionHeight: 1080,
    framerate: 30,
    createdAt,
    updatedAt: createdAt,
  });
  const drafts = (n: number, prefix = 's'): SegmentDraft[] =>
    Array.from({ length: n }, (_, i) => ({ textContent: `${prefix}${i}`, imagePrompt: `p${i}` }));

  describe('ProjectsRepository', () => {
    it('stores a project with its first segments; timestamps come back as the same ISO strings', async () => {
      const p = project('first', '2026-01-02T03:04:05.678Z');
      await projects.create(p, drafts(3));
      expect(await projects.findById(p.id)).toEqual(p);
      const stored = await segments.listByProject(p.id);
      expect(stored.map((s) => [s.sequenceIndex, s.textContent, s.isLocked])).toEqual([
        [0, 's0', false],
        [1, 's1', false],
        [2, 's2', false],
      ]);
    });

    it('lists newest first; the same millisecond: the later insert first; with segment counts', async () => {
      const at = '2030-05-05T05:05:05.005Z';
      const a = project('same ms, first', at);
      const b = project('same ms, second', at);
      await projects.create(a, drafts(2));
      await projects.create(b, []);
      const [first, second] = await projects.list({ number: 1, offset: 0, size: 2 });
      expect([first.id, second.id]).toEqual([b.id, a.id]);
      expect([first.segmentCount, second.segmentCount]).toEqual([0, 2]);
      expect(await projects.count()).toBeGreaterThanOrEqual(2);
    });

    it('a failed create stores nothing (the project and its segments are one transaction)', async () => {
      const p = project('duplicate');
      await projects.create(p, drafts(1));
      const again = { ...p, title: 'again' };
      // Not `rejects.toThrow()`: better-sqlite3's native binding keeps the error class of the
      // first test file that loaded it, not an Error of this file's realm.
      const outcome = await projects.create(again, drafts(2)).then(
        () => 'stored',
        () => 'refused',
      );
      expect(outcome).toBe('refused');
      expect((await projects.findById(p.id))?.title).toBe('duplicate');
      expect(await segments.countByProject(p.id)).toBe(1);
    });

    it('deleting a project deletes its segments (cascade)', async () => {
      const p = project('doomed');
      await projects.create(p, drafts(4));
      const [first] = await segments.listByProject(p.id);
      expect(await projects.delete(p.id)).toBe(true);
      expect(await projects.findById(p.id)).toBeUndefined();
      expect(await segments.findById(first.id)).toBeUndefined();
      expect(await segments.countByProject(p.id)).toBe(0);
      expect(await projects.delete(p.id)).toBe(false);
    });
  });

  describe('SegmentsRepository', () => {
    it('appends after the last segment, keeping order; windows list by position', async () => {
      const p = project('append');
      await projects.create(p, drafts(2, 'a'));
      const added = await segments.transaction((tx) => tx.append(p.id, drafts(3, 'b')));
      expect(added.map((s) => s.sequenceIndex)).toEqual([2, 3, 4]);
      const window = await segments.listByProject(p.id, { number: 1, offset: 1, size: 2 });
      expect(window.map((s) => s.textContent)).toEqual(['a1', 'b0']);
    });

    it('round-trips booleans and floats exactly', async () => {
      const p = project('types');
      await projects.create(p, drafts(1));
      const [s] = await segments.listByProject(p.id);
      const locked = await segments.update(s.id, {
        isLocked: true,
        audioFile: 'projects/x/audio/y.wav',
        audioDuration: 1.1,
      });
      expect(locked).toMatchObject({ isLocked: true, audioDuration: 1.1 });
      expect(await segments.findById(s.id)).toMatchObject({ isLocked: true, audioDuration: 1.1 });
      expect((await segments.update(s.id, { isLocked: false }))?.isLocked).toBe(false);
      expect(await segments.update(newId(), { textContent: 'x' })).toBeUndefined();
    });

    it('a transaction is all or nothing', async () => {
      const p = project('rollback');
      await projects.create(p, drafts(2));
      await expect(
        segments.transaction(async (tx) => {
          await tx.append(p.id, drafts(5));
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await segments.countByProject(p.id)).toBe(2);
    });

    it('reorders any permutation, also of more segments than one UPDATE carries', async () => {
      const p = project('reorder');
      await projects.create(p, drafts(1203));
      const ids = (await segments.listByProject(p.id)).map((s) => s.id);
      const order = [...ids].reverse();
      order.push(order.shift()!);
      await segments.transaction((tx) => tx.applyOrder(p.id, order));
      expect((await segments.listByProject(p.id)).map((s) => s.id)).toEqual(order);
    });

    it('deletes one segment and returns it', async () => {
      const p = project('delete one');
      await projects.create(p, drafts(2));
      const [s] = await segments.listByProject(p.id);
      expect((await segments.delete(s.id))?.id).toBe(s.id);
      expect(await segments.delete(s.id)).toBeUndefined();
    });

    it('concurrent appends to one project get contiguous, unique positions', async () => {
      const p = project('race');
      await projects.create(p, []);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          segments.transaction(async (tx) => {
            expect(await tx.projectExists(p.id)).toBe(true);
            return tx.append(p.id, drafts(3, `w${i}-`));
          }),
        ),
      );
      const positions = (await segments.listByProject(p.id)).map((s) => s.sequenceIndex);
      expect(positions).toEqual(Array.from({ length: 60 }, (_, i) => i));
    });
  });

  describe('SettingsRepository', () => {
    it('starts from the defaults, with real booleans and ISO timestamps', async () => {
      const s = await settings.get();
      expect(s).toMatchObject({
        defaultVoiceId: 'af_bella',
        ttsSpeed: 1,
        subtitlesEnabled: true,
        logoEnabled: false,
        interSegmentSilence: 0.3,
        activeLogo: null,
      });
      expect(s.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(s.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('updates booleans and floats exactly, and only what it is given', async () => {
      const updated = await settings.update({
        ttsSpeed: 1.1,
        subtitlesEnabled: false,
        logoEnabled: true,
      });
      expect(updated).toMatchObject({ ttsSpeed: 1.1, subtitlesEnabled: false, logoEnabled: true });
      expect(await settings.get()).toEqual(updated);
      expect(await settings.update({ subtitlesEnabled: true })).toMatchObject({
        ttsSpeed: 1.1,
        subtitlesEnabled: true,
      });
    });

    it('stores logos oldest first; a transaction is all or nothing', async () => {
      const older = {
        id: newId(),
        name: 'older',
        file: 'logos/a.png',
        uploadedAt: '2026-01-01T00:00:00.000Z',
      };
      const newer = {
        id: newId(),
        name: 'newer',
        file: 'logos/b.png',
        uploadedAt: '2026-02-01T00:00:00.000Z',
      };
      await settings.addLogo(newer);
      await settings.addLogo(older);
      expect(await settings.listLogos()).toEqual([older, newer]);
      await expect(
        settings.transaction(async (tx) => {
          await tx.deleteLogo(older.id);
          await tx.update({ activeLogo: null });
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(await settings.findLogo(older.id)).toEqual(older);
      expect(await settings.deleteLogo(older.id)).toEqual(older);
      expect(await settings.findLogo(older.id)).toBeUndefined();
    });
  });

  describe('TaskRecordRepository', () => {
    const views = new TaskViewCache();
    const record = (id: string, version: number, status: TaskRecord['status']): TaskRecord => ({
      id,
      version,
      labels: { kind: 'batch', project_id: 'p-1' },
      status,
      current: version - 1,
      total: 3,
      inProgress: status === 'PROCESSING' ? ['s-2'] : [],
      completed: [{ segment_id: 's-1', audio_url: 'http://x/media/a.wav', duration: 1.25 }],
      errors: [{ segment_id: null, error: 'Ünïcode "quoted"' }],
      claims: status === 'PROCESSING' ? ['project:p-1'] : [],
      recording: [],
      owner: 'host:1:abcd',
      createdAt: '2026-03-03T03:03:03.333Z',
      startedAt: '2026-03-03T03:03:04.000Z',
      finishedAt: status === 'COMPLETED' ? '2026-03-03T03:03:09.000Z' : null,
    });

    it('saves and loads a record (snapshot, labels, bookkeeping); an older version never overwrites', async () => {
      const id = `tts_${newId()}`;
      const v2 = record(id, 2, 'PROCESSING');
      const v3 = record(id, 3, 'COMPLETED');
      await records.save(v2);
      await records.save(v3, v2);
      await records.save(v2);
      const loaded = (await records.loadAll()).find((r) => r.id === id);
      expect(loaded).toEqual(v3);
      await records.removeMany([id]);
      expect((await records.loadAll()).some((r) => r.id === id)).toBe(false);
    });

    /** A batch's versions as the state stores make them (task-transitions.ts). */
    const batchVersions = (id: string, segments: number): TaskRecord[] => {
      const now = new Date('2026-03-03T03:03:03.333Z');
      const ids = Array.from({ length: segments }, (_, i) => `s-${i}`);
      let task: TaskRecord = {
        ...newTaskRecord(
          id,
          {
            total: segments,
            labels: { kind: 'tts_batch', project_id: 'p-2' },
            exclusive: ['batch:p-2'],
            claims: ids.map(segmentClaim),
          },
          now,
        ),
        owner: 'host:2:beef',
      };
      const versions = [task];
      const step = (change: TaskChange) => {
        task = applyChange(task, change, now) ?? task;
        if (task !== versions[versions.length - 1]) versions.push(task);
      };
      step({ kind: 'start' });
      ids.forEach((segmentId, i) => {
        step({ kind: 'begin-segment', segmentId });
        const entry = { segment_id: segmentId, audio_url: `/media/${segmentId}.wav`, duration: i };
        if (i % 4 === 3) {
          step({ kind: 'settle-segment', outcome: { segmentId, error: `Ünïcode "${i}"` } });
        } else {
          step({ kind: 'recording', entry });
          step({ kind: 'settle-segment', outcome: { segmentId, completed: entry } });
        }
      });
      step({ kind: 'finish' });
      return versions;
    };
    const entryRows = async (id: string) =>
      (
        await db
          .selectFrom('task_entries')
          .select('list')
          .where('task_id', '=', id)
          .where('list', 'in', ['completed', 'errors'])
          .execute()
      ).length;

    it("keeps an unfinished batch's claims in one entry row, out of the row each version updates", async () => {
      const id = `tts_batch_${newId()}`;
      const versions = batchVersions(id, 40);
      await records.save(versions[0]);
      const claimRows = () =>
        db
          .selectFrom('task_entries')
          .select(['position', 'entry'])
          .where('task_id', '=', id)
          .where('list', '=', 'claims')
          .execute();
      const [written] = await claimRows();
      expect(readJson(written.entry)).toEqual(versions[0].claims);
      const row = await db
        .selectFrom('tasks')
        .select(['claims'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.claims).toBeNull();
      // Later versions leave that row alone, and read back with the claims they hold.
      for (let i = 1; i < 20; i++) await records.save(versions[i], versions[i - 1]);
      expect(await claimRows()).toEqual([written]);
      expect((await records.loadAll()).find((r) => r.id === id)).toEqual(versions[19]);
      // Finished: no claims, no entry rows.
      await records.save(versions[versions.length - 1]);
      expect(await claimRows()).toEqual([]);
      await records.removeMany([id]);
    });

    it('reads the claims of a row written before they moved to an entry row', async () => {
      const id = `tts_batch_${newId()}`;
      const [first] = batchVersions(id, 3);
      await records.save(first);
      await db
        .updateTable('tasks')
        .set({ claims: JSON.stringify(first.claims) })
        .where('id', '=', id)
        .execute();
      await db.deleteFrom('task_entries').where('task_id', '=', id).execute();
      expect((await records.loadAll()).find((r) => r.id === id)).toEqual(first);
      await records.removeMany([id]);
    });

    it('a batch written version by version (each from the previous) reads back whole at every version', async () => {
      const id = `tts_batch_${newId()}`;
      const versions = batchVersions(id, 6);
      let previous: TaskRecord | undefined;
      for (const version of versions) {
        await records.save(version, previous);
        previous = version;
        const loaded = (await records.loadAll()).find((r) => r.id === id);
        expect(loaded).toEqual(version);
      }
      const last = versions[versions.length - 1];
      expect(last.status).toBe('COMPLETED');
      // Finished: the row holds the whole snapshot, exactly what pollers are sent.
      const row = await db
        .selectFrom('tasks')
        .select('snapshot')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(readJson(row.snapshot)).toEqual(JSON.parse(views.viewOf(last).json));
      expect(await entryRows(id)).toBe(0);
      await records.removeMany([id]);
    });

    it('per version, an unfinished task writes its entries as rows, never an older version over a newer', async () => {
      const id = `tts_batch_${newId()}`;
      const versions = batchVersions(id, 8).filter((v) => v.status !== 'COMPLETED');
      await records.save(versions[0]);
      for (let i = 1; i < versions.length; i++) await records.save(versions[i], versions[i - 1]);
      const newest = versions[versions.length - 1];
      // The row's snapshot carries no segment list: each entry is one row.
      const row = await db
        .selectFrom('tasks')
        .select('snapshot')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(readJson<TaskSnapshot>(row.snapshot).completed_segments).toEqual([]);
      expect(await entryRows(id)).toBe(newest.completed.length + newest.errors.length);
      // A late, older version (with or without its previous) changes nothing.
      await records.save(versions[5], versions[4]);
      await records.save(versions[3]);
      // The same version written again (a second process) adds no entry twice.
      await records.save(newest, versions[versions.length - 2]);
      expect((await records.loadAll()).find((r) => r.id === id)).toEqual(newest);
      expect(await entryRows(id)).toBe(newest.completed.length + newest.errors.length);
      // Another process's repository, which never wrote this task, continues it.
      const other = new KyselyTaskRecordRepository(db);
      const failed = applyChange(newest, { kind: 'fail', error: 'x' }, new Date())!;
      await other.save(failed, newest);
      expect((await records.loadAll()).find((r) => r.id === id)).toEqual(failed);
      expect(await entryRows(id)).toBe(0);
      await records.removeMany([id]);
    });
  });
});
