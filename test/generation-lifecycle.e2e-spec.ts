import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpeechGenerationService } from '../src/audio/speech-generation.service';
import { TaskManagerService } from '../src/tasks/task-manager.service';
import { api } from './support/story-api';
import { taskFinished } from './support/tasks';
import { startTestApp, type UsedTestApp, useTestApp } from './support/test-app';

const SENTENCE = 'The wind carried the smell of rain across the wide and empty fields.';
const texts = (n: number) =>
  Array.from({ length: n }, (_, i) => `${i + 1}. ${SENTENCE} ${SENTENCE}`);

/** Resolves once the task has reported at least `n` completed segments. */
async function completedAtLeast(
  t: Pick<UsedTestApp, 'app'>,
  taskId: string,
  n: number,
): Promise<void> {
  const snapshots = await t.app.get(TaskManagerService).watch(taskId);
  return new Promise((resolve, reject) => {
    const sub = snapshots.subscribe({
      next: (s) => {
        if (s.completed_segments.length >= n) {
          resolve();
          queueMicrotask(() => sub.unsubscribe());
        }
      },
      complete: () => reject(new Error(`task ended before ${n} segments completed`)),
    });
  });
}

/** Resolves once no segment is being synthesized or waiting. */
async function generationIdle(t: Pick<UsedTestApp, 'app'>): Promise<void> {
  const generation = t.app.get(SpeechGenerationService);
  const working = () => {
    const { running, queued, finishing } = generation.stats();
    return running + queued + finishing > 0;
  };
  while (working()) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('generation lifecycle with the real engine (e2e)', () => {
  const t = useTestApp({ engine: 'real' });
  const http = t.http;
  it('fairness: a single-segment request finishes while a long batch is still running', async () => {
    const long = await http.importProject(texts(60), 'Long batch');
    const short = await http.importProject(['Just one line, please.'], 'Short');
    const batch = (await http.post(`/api/projects/${long.id}/generate-all-audio/`)).json();
    await completedAtLeast(t, batch.task_id, 1);
    const single = (
      await http.post(`/api/segments/${short.segments[0].id}/generate-audio/`)
    ).json();
    const singleDone = await taskFinished(t.app, single.task_id);
    expect(singleDone.status).toBe('COMPLETED');
    const batchNow = (await http.get(`/api/tasks/${batch.task_id}/status/`)).json();
    expect(batchNow.status).toBe('PROCESSING');
    expect(batchNow.completed_segments.length).toBeLessThan(60);
    await http.post(`/api/tasks/${batch.task_id}/cancel/`);
    await generationIdle(t);
  });

  it('duplicate guard: 409 with the active task_id for a project batch or a held segment', async () => {
    const project = await http.importProject(texts(30));
    const batch = (await http.post(`/api/projects/${project.id}/generate-all-audio/`)).json();
    const again = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({
      error: 'Audio generation is already running for this project',
      details: { task_id: batch.task_id },
    });
    const held = await http.post(`/api/segments/${project.segments[29].id}/generate-audio/`);
    expect(held.statusCode).toBe(409);
    expect(held.json().details).toEqual({ task_id: batch.task_id });

    await http.post(`/api/tasks/${batch.task_id}/cancel/`);
    await generationIdle(t);
    // Once the batch has ended, the same requests are accepted again.
    const single = await http.post(`/api/segments/${project.segments[29].id}/generate-audio/`);
    expect(single.statusCode).toBe(202);
    await taskFinished(t.app, single.json().task_id);
  });

  it('cancel mid-run: stops before the next segment, ends FAILED, keeps the audio already written', async () => {
    const project = await http.importProject(texts(40));
    const batch = (await http.post(`/api/projects/${project.id}/generate-all-audio/`)).json();
    await completedAtLeast(t, batch.task_id, 2);
    const cancel = await http.post(`/api/tasks/${batch.task_id}/cancel/`);
    expect(cancel.statusCode).toBe(202);
    await generationIdle(t);

    const final = (await http.get(`/api/tasks/${batch.task_id}/status/`)).json();
    expect(final.status).toBe('FAILED');
    expect(final.errors).toEqual([{ segment_id: null, error: 'Cancelled' }]);
    const detail = (await http.get(`/api/projects/${project.id}/`)).json();
    const withAudio = detail.segments.filter((s: { audio_file: string | null }) => s.audio_file);
    expect(withAudio.length).toBeGreaterThanOrEqual(final.completed_segments.length);
    expect(withAudio.length).toBeLessThan(40);
    for (const s of withAudio) {
      expect(
        existsSync(join(t.dataDir, 'media', 'projects', project.id, 'audio', `${s.id}.wav`)),
      ).toBe(true);
    }
  });

  it('lists tasks newest first, filtered by status and project, without segment arrays', async () => {
    const p1 = await http.importProject(['First project line.']);
    const p2 = await http.importProject(['Second project line.']);
    const a = (await http.post(`/api/projects/${p1.id}/generate-all-audio/`)).json();
    await taskFinished(t.app, a.task_id);
    const b = (await http.post(`/api/projects/${p2.id}/generate-all-audio/`)).json();
    await taskFinished(t.app, b.task_id);

    const all = (await http.get('/api/tasks/')).json();
    expect(all).toMatchObject({ next: null, previous: null });
    expect(all.results[0].task_id).toBe(b.task_id);
    expect(all.results[1].task_id).toBe(a.task_id);
    expect(all.results[0]).not.toHaveProperty('completed_segments');
    expect(all.results[0]).not.toHaveProperty('errors');
    expect(all.results[0]).toMatchObject({
      status: 'COMPLETED',
      project_id: p2.id,
      kind: 'tts_batch',
    });

    const byProject = (await http.get(`/api/tasks/?project=${p1.id}`)).json();
    expect(byProject.results.map((r: { task_id: string }) => r.task_id)).toEqual([a.task_id]);
    const failed = (await http.get('/api/tasks/?status=FAILED')).json();
    expect(failed.results.every((r: { status: string }) => r.status === 'FAILED')).toBe(true);
    const bad = await http.get('/api/tasks/?status=DONE');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toHaveProperty('status');
  });
});

describe('backpressure (e2e)', () => {
  const t = useTestApp({ env: { MAX_ACTIVE_TASKS: '1' }, engine: 'real' });
  it('503 with Retry-After beyond MAX_ACTIVE_TASKS unfinished tasks; nothing is created', async () => {
    const http = t.http;
    const long = await http.importProject(texts(20));
    const other = await http.importProject(['Waiting my turn.']);
    const batch = (await http.post(`/api/projects/${long.id}/generate-all-audio/`)).json();
    const full = await http.post(`/api/segments/${other.segments[0].id}/generate-audio/`);
    expect(full.statusCode).toBe(503);
    expect(full.headers['retry-after']).toBe('5');
    expect(full.json()).toEqual({ error: expect.stringMatching(/too many active tasks/i) });
    expect((await http.get('/api/tasks/')).json().count).toBe(1);
    await http.post(`/api/tasks/${batch.task_id}/cancel/`);
    await generationIdle(t);
  });
});

describe('restart (e2e)', () => {
  it('a task running when the server stopped is FAILED "Interrupted" after a restart, and stays queryable', async () => {
    const first = await startTestApp({ env: { SHUTDOWN_GRACE_SECONDS: '0' }, engine: 'real' });
    const http = api(first.app);
    const project = await http.importProject(texts(30));
    const batch = (await http.post(`/api/projects/${project.id}/generate-all-audio/`)).json();
    await completedAtLeast(first, batch.task_id, 1);
    const done = (
      await http.post(
        `/api/projects/${(await http.importProject(['Done before.'])).id}/generate-all-audio/`,
      )
    ).json();
    await taskFinished(first.app, done.task_id);
    await first.close({ keepData: true });

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir }, engine: 'real' });
    try {
      const http2 = api(second.app);
      const interrupted = (await http2.get(`/api/tasks/${batch.task_id}/status/`)).json();
      expect(interrupted.status).toBe('FAILED');
      expect(interrupted.errors).toContainEqual({
        segment_id: null,
        error: expect.stringMatching(/^Interrupted by server (shutdown|restart)$/),
      });
      expect(interrupted.completed_segments.length).toBeGreaterThanOrEqual(1);
      const finished = (await http2.get(`/api/tasks/${done.task_id}/status/`)).json();
      expect(finished.status).toBe('COMPLETED');
      // Every segment reported completed has its audio; the project is intact.
      const detail = (await http2.get(`/api/projects/${project.id}/`)).json();
      for (const c of interrupted.completed_segments) {
        const segment = detail.segments.find((s: { id: string }) => s.id === c.segment_id);
        expect(segment.audio_file).not.toBeNull();
      }
    } finally {
      await second.close();
    }
  });
});
