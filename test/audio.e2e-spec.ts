import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseWavHeader } from '../src/audio/engine/wav';
import { AudioStorage } from '../src/audio/storage/audio.storage';
import { UNKNOWN_ID } from './support/story-api';
import { taskFinished } from './support/tasks';
import { brokenEngine } from './support/engines';
import { useTestApp } from './support/test-app';

const STORY = [
  'Once upon a time, a small fox lived at the edge of a quiet forest.',
  'Every morning she walked to the river to watch the herons fish.',
  'One day, a storm rolled over the hills and the river rose fast.',
  'The fox helped a lost heron chick find its way back to the reeds.',
  'From then on, the herons always saved her the shiniest pebbles.',
];

const TASK_ID = /^tts_[0-9a-f-]{36}_[0-9a-f]{8}$/;
const BATCH_ID = /^tts_batch_[0-9a-f-]{36}_[0-9a-f]{8}$/;

describe('audio generation with the real engine (e2e)', () => {
  const t = useTestApp({ engine: 'real' });
  const http = t.http;
  const status = async (taskId: string) => (await http.get(`/api/tasks/${taskId}/status/`)).json();

  it('a 5-segment story gives 5 valid WAVs whose durations match the reported ones', async () => {
    const project = await http.importProject(STORY, 'The fox and the herons');
    const res = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
    expect(res.statusCode).toBe(202);
    const accepted = res.json();
    expect(accepted).toEqual({
      task_id: expect.stringMatching(BATCH_ID),
      project_id: project.id,
      status: 'PENDING',
      total_segments: 5,
      segments_to_process: 5,
      skipped_locked: 0,
      skipped_existing: 0,
      skipped_empty: 0,
      message: expect.any(String),
    });

    // Poll as the UI does, while the run goes on: the progress only ever moves forward.
    const seen: { status: string; current: number; completed: number }[] = [];
    const done = taskFinished(t.app, accepted.task_id);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const body = await status(accepted.task_id);
      seen.push({
        status: body.status,
        current: body.progress.current,
        completed: body.completed_segments.length,
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const final = await status(accepted.task_id);
    const rank = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 } as Record<string, number>;
    for (let i = 1; i < seen.length; i++) {
      expect(rank[seen[i].status]).toBeGreaterThanOrEqual(rank[seen[i - 1].status]);
      expect(seen[i].current).toBeGreaterThanOrEqual(seen[i - 1].current);
      expect(seen[i].completed).toBeGreaterThanOrEqual(seen[i - 1].completed);
    }

    expect(final.status).toBe('COMPLETED');
    expect(final.progress).toEqual({ current: 5, total: 5, percentage: 100 });
    expect(final.errors).toEqual([]);
    expect(final.completed_segments).toHaveLength(5);
    expect(
      new Set(final.completed_segments.map((c: { segment_id: string }) => c.segment_id)),
    ).toEqual(new Set(project.segments.map((s) => s.id)));

    const detail = (await http.get(`/api/projects/${project.id}/`)).json();
    for (const segment of detail.segments) {
      const reported = final.completed_segments.find(
        (c: { segment_id: string }) => c.segment_id === segment.id,
      );
      expect(reported.audio_url).toBe(`/media/projects/${project.id}/audio/${segment.id}.wav`);
      expect(segment.audio_file).toBe(`http://localhost:80${reported.audio_url}`);
      expect(segment.audio_duration).toBeCloseTo(reported.duration, 6);

      const file = join(t.dataDir, 'media', 'projects', project.id, 'audio', `${segment.id}.wav`);
      const wav = parseWavHeader(readFileSync(file));
      expect(wav).toMatchObject({ channels: 1, bitsPerSample: 16, sampleRate: 22050 });
      expect(Math.abs(wav.durationSeconds - reported.duration) / reported.duration).toBeLessThan(
        0.01,
      );
      // A dozen spoken words: a few seconds, not silence and not a minute.
      expect(wav.durationSeconds).toBeGreaterThan(1.5);
      expect(wav.durationSeconds).toBeLessThan(12);

      const served = await http.get(reported.audio_url);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe('audio/wav');
      // The file as stored: the samples, then the chunk of word boundaries after them.
      expect(served.rawPayload).toEqual(readFileSync(file));
      expect(served.rawPayload.length).toBeGreaterThan(44 + wav.dataBytes);
      expect(served.rawPayload.readUInt32LE(4) + 8).toBe(served.rawPayload.length);
      expect(await t.app.get(AudioStorage).readWords(project.id, segment.id)).toMatchObject({
        text: segment.text_content,
        sampleCount: wav.dataBytes / 2,
      });
    }
    // Atomic writes leave no temporary file behind: one WAV per segment, boundaries inside.
    const files = readdirSync(join(t.dataDir, 'media', 'projects', project.id, 'audio'));
    expect(files.sort()).toEqual(detail.segments.map((s: { id: string }) => `${s.id}.wav`).sort());
  });

  it('a segment whose WAV cannot be written fails alone; the others complete', async () => {
    const project = await http.importProject(STORY.slice(0, 3));
    const [, blocked] = project.segments;
    // A directory standing where the WAV must go: the rename into place fails.
    mkdirSync(join(t.dataDir, 'media', 'projects', project.id, 'audio', `${blocked.id}.wav`), {
      recursive: true,
    });
    const res = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
    const final = await taskFinished(t.app, res.json().task_id);
    expect(final.status).toBe('COMPLETED');
    expect(final.progress).toEqual({ current: 3, total: 3, percentage: 100 });
    expect(final.errors).toEqual([
      { segment_id: blocked.id, error: 'Could not write the audio file' },
    ]);
    expect(final.completed_segments.map((c) => c.segment_id).sort()).toEqual(
      [project.segments[0].id, project.segments[2].id].sort(),
    );
    const segment = (await http.get(`/api/segments/${blocked.id}/`)).json();
    expect(segment.audio_file).toBeNull();
    expect(JSON.stringify(final)).not.toContain(t.dataDir);
  });

  describe('POST /api/segments/:id/generate-audio/', () => {
    it('202, then a one-segment task that reports its segment like a batch', async () => {
      const project = await http.importProject(['Hello from a single segment.']);
      const [segment] = project.segments;
      const res = await http.post(`/api/segments/${segment.id}/generate-audio`);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        task_id: expect.stringMatching(TASK_ID),
        segment_id: segment.id,
        status: 'PENDING',
        message: expect.any(String),
      });
      expect(res.json().task_id.startsWith(`tts_${segment.id}_`)).toBe(true);
      const final = await taskFinished(t.app, res.json().task_id);
      expect(final).toMatchObject({
        status: 'COMPLETED',
        progress: { current: 1, total: 1, percentage: 100 },
        completed_segments: [{ segment_id: segment.id, duration: expect.any(Number) }],
        errors: [],
      });
      const after = (await http.get(`/api/segments/${segment.id}/`)).json();
      expect(after.audio_duration).toBeCloseTo(final.completed_segments[0].duration, 6);
    });

    it('400 for empty or whitespace text, 409 locked, 404 unknown or malformed id', async () => {
      const project = await http.importProject(['Some words.', 'More words.']);
      const [a, b] = project.segments;
      await http.patch(`/api/segments/${a.id}/`, { text_content: '  \n ' });
      const empty = await http.post(`/api/segments/${a.id}/generate-audio/`);
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toEqual({ error: 'Segment has no text to synthesize' });

      await http.patch(`/api/segments/${b.id}/`, { is_locked: true });
      const locked = await http.post(`/api/segments/${b.id}/generate-audio/`);
      expect(locked.statusCode).toBe(409);
      expect(locked.json()).toEqual({ error: 'Segment is locked' });

      expect((await http.post(`/api/segments/${UNKNOWN_ID}/generate-audio/`)).statusCode).toBe(404);
      const bad = await http.post('/api/segments/not-a-uuid/generate-audio/');
      expect(bad.statusCode).toBe(404);
      expect(bad.json()).toEqual({ error: expect.any(String) });
    });
  });

  describe('POST /api/projects/:id/generate-all-audio/', () => {
    it('applies the skip rules and counts them; 200 when nothing is left', async () => {
      const project = await http.importProject(['One.', 'Two.', 'Three.', 'Four.']);
      const [one, two, three] = project.segments;
      await http.patch(`/api/segments/${one.id}/`, { is_locked: true });
      await http.patch(`/api/segments/${two.id}/`, { text_content: ' ' });
      const first = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
      expect(first.statusCode).toBe(202);
      expect(first.json()).toMatchObject({
        total_segments: 4,
        segments_to_process: 2,
        skipped_locked: 1,
        skipped_existing: 0,
        skipped_empty: 1,
      });
      await taskFinished(t.app, first.json().task_id);

      const nothing = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
      expect(nothing.statusCode).toBe(200);
      expect(nothing.json()).toMatchObject({
        task_id: null,
        segments_to_process: 0,
        skipped_locked: 1,
        skipped_existing: 2,
        skipped_empty: 1,
      });

      const forced = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {
        force_regenerate: true,
        skip_locked: false,
      });
      expect(forced.statusCode).toBe(202);
      expect(forced.json()).toMatchObject({
        segments_to_process: 3,
        skipped_locked: 0,
        skipped_existing: 0,
        skipped_empty: 1,
      });
      const final = await taskFinished(t.app, forced.json().task_id);
      expect(final.completed_segments.map((c) => c.segment_id)).toEqual(
        expect.arrayContaining([one.id, three.id]),
      );
    });

    it('rejects a body of the wrong types with 400 details, and unknown projects with 404', async () => {
      const project = await http.importProject(['Words.']);
      const bad = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {
        skip_locked: 'yes',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toHaveProperty('skip_locked');
      const unknown = await http.post(`/api/projects/${UNKNOWN_ID}/generate-all-audio/`);
      expect(unknown.statusCode).toBe(404);
    });

    it('uses the voice and speed of the settings at the moment the task is accepted', async () => {
      const project = await http.importProject(['The same sentence, spoken twice at two speeds.']);
      const [segment] = project.segments;
      await http.patch('/api/settings/', { tts_speed: 2.0 });
      const fast = await http.post(`/api/segments/${segment.id}/generate-audio/`);
      await http.patch('/api/settings/', { tts_speed: 0.5 });
      const fastDone = await taskFinished(t.app, fast.json().task_id);
      const slow = await http.post(`/api/segments/${segment.id}/generate-audio/`);
      const slowDone = await taskFinished(t.app, slow.json().task_id);
      await http.patch('/api/settings/', { tts_speed: 1.0 });
      expect(slowDone.completed_segments[0].duration).toBeGreaterThan(
        fastDone.completed_segments[0].duration * 2,
      );
    });
  });

  it('answers status polls promptly while a long segment is synthesized', async () => {
    const long = Array.from({ length: 12 }, () => STORY.join(' ')).join(' ');
    const project = await http.importProject([long]);
    const res = await http.post(`/api/segments/${project.segments[0].id}/generate-audio/`);
    const taskId = res.json().task_id;
    const done = taskFinished(t.app, taskId);
    const latencies: number[] = [];
    let processing = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const body = await status(taskId);
      latencies.push(performance.now() - started);
      if (body.status === 'PROCESSING') processing += 1;
    }
    await done;
    latencies.sort((a, b) => a - b);
    expect(processing).toBeGreaterThan(0);
    // The median, not the max: a shared machine may stall any one request.
    expect(latencies[10]).toBeLessThan(100);
  });
});

describe('engine unavailable (e2e)', () => {
  const t = useTestApp({ overrides: [brokenEngine], engine: 'real' });
  it('generation answers 503 JSON with Retry-After, and nothing is created', async () => {
    const http = t.http;
    const project = await http.importProject(['Words.']);
    const single = await http.post(`/api/segments/${project.segments[0].id}/generate-audio/`);
    expect(single.statusCode).toBe(503);
    expect(single.headers['retry-after']).toBeDefined();
    expect(single.json()).toEqual({ error: expect.stringMatching(/speech engine/i) });
    const batch = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
    expect(batch.statusCode).toBe(503);
    expect((await http.get('/api/tasks/')).json().count).toBe(0);
  });
});
