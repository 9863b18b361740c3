import { TaskManagerService } from '../src/tasks/task-manager.service';
import { useTestApp } from './support/test-app';

describe('GET /api/tasks/:task_id/status/ (e2e)', () => {
  const t = useTestApp();
  let tasks: TaskManagerService;

  beforeAll(async () => {
    tasks = t.app.get(TaskManagerService);
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it.each([
    ['nope', '/api/tasks/nope/status/'],
    ['without slash', '/api/tasks/nope/status'],
    ['1,000 characters', `/api/tasks/${'x'.repeat(1000)}/status/`],
    ['percent-encoded unicode', `/api/tasks/${encodeURIComponent('tâche_✓_語')}/status/`],
    ['encoded dot-dot-slash', '/api/tasks/..%2F..%2Fetc%2Fpasswd/status/'],
    ['encoded NUL and quotes', '/api/tasks/%00%22%27/status'],
    ['a uuid', '/api/tasks/7d6f1c0e-1f0b-4c1e-9d3c-2f7c5b9d8e11/status/'],
  ])('unknown id (%s) is 404 {"error":"Task not found"} as JSON', async (_name, url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toBe('{"error":"Task not found"}');
  });

  it('a PENDING task reports zero progress over the segments it will process', async () => {
    await tasks.create('tts_pending_1', { total: 3 });
    const res = await get('/api/tasks/tts_pending_1/status/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      task_id: 'tts_pending_1',
      status: 'PENDING',
      progress: { current: 0, total: 3, percentage: 0 },
      completed_segments: [],
      errors: [],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      started_at: null,
      finished_at: null,
    });
  });

  it('answers the same with and without the trailing slash, without redirecting', async () => {
    await tasks.create('tts_slash', { total: 1 });
    const a = await get('/api/tasks/tts_slash/status/');
    const b = await get('/api/tasks/tts_slash/status');
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(a.body).toBe(b.body);
  });

  it('finds ids made of any characters', async () => {
    for (const id of ['x'.repeat(1000), 'tâche ✓ 語', '../..', 'a/b']) {
      await tasks.create(id, { total: 2 });
      const res = await get(`/api/tasks/${encodeURIComponent(id)}/status/`);
      expect(res.statusCode).toBe(200);
      expect(res.json().task_id).toBe(id);
    }
  });

  it('reports a whole batch run: progress, completed segments in order, errors, COMPLETED at 100 %', async () => {
    const id = 'tts_batch_p_1a2b3c4d';
    await tasks.create(id, { total: 3 });
    await tasks.start(id);
    await tasks.setProgress(id, { current: 0, currentSegmentId: 's1' });
    let body = (await get(`/api/tasks/${id}/status/`)).json();
    expect(body.status).toBe('PROCESSING');
    expect(body.started_at).toEqual(expect.any(String));
    expect(body.progress).toEqual({
      current: 0,
      total: 3,
      percentage: 0,
      current_segment_id: 's1',
    });

    await tasks.addCompletedSegment(id, {
      segment_id: 's1',
      audio_url: '/media/a/s1.wav',
      duration: 1.5,
    });
    await tasks.setProgress(id, { current: 1, currentSegmentId: 's2' });
    body = (await get(`/api/tasks/${id}/status/`)).json();
    expect(body.progress).toEqual({
      current: 1,
      total: 3,
      percentage: 33,
      current_segment_id: 's2',
    });

    await tasks.addError(id, 's2', 'Synthesis failed');
    await tasks.setProgress(id, { current: 2, currentSegmentId: 's3' });
    await tasks.addCompletedSegment(id, {
      segment_id: 's3',
      audio_url: '/media/a/s3.wav',
      duration: 2.25,
    });
    await tasks.setProgress(id, { current: 3 });
    await tasks.finish(id);

    body = (await get(`/api/tasks/${id}/status`)).json();
    expect(body).toEqual({
      task_id: id,
      status: 'COMPLETED',
      progress: { current: 3, total: 3, percentage: 100 },
      completed_segments: [
        { segment_id: 's1', audio_url: '/media/a/s1.wav', duration: 1.5 },
        { segment_id: 's3', audio_url: '/media/a/s3.wav', duration: 2.25 },
      ],
      errors: [{ segment_id: 's2', error: 'Synthesis failed' }],
      created_at: expect.any(String),
      started_at: expect.any(String),
      finished_at: expect.any(String),
    });
  });

  it('a task whose every segment failed is FAILED, and stays FAILED', async () => {
    const id = 'tts_all_fail';
    await tasks.create(id, { total: 1 });
    await tasks.start(id);
    await tasks.addError(id, 's1', 'boom');
    await tasks.finish(id);
    await tasks.complete(id);
    await tasks.start(id);
    const body = (await get(`/api/tasks/${id}/status/`)).json();
    expect(body.status).toBe('FAILED');
    expect(body.errors).toEqual([{ segment_id: 's1', error: 'boom' }]);
    expect(body.finished_at).toEqual(expect.any(String));
  });

  it('a failure not tied to a segment is an entry with segment_id null', async () => {
    await tasks.create('tts_crash', { total: 4 });
    await tasks.start('tts_crash');
    await tasks.fail('tts_crash', 'Worker pool crashed');
    const body = (await get('/api/tasks/tts_crash/status/')).json();
    expect(body.status).toBe('FAILED');
    expect(body.errors).toEqual([{ segment_id: null, error: 'Worker pool crashed' }]);
  });

  it('nothing to do completes at once', async () => {
    await tasks.create('tts_empty', { total: 0 });
    await tasks.finish('tts_empty');
    const body = (await get('/api/tasks/tts_empty/status/')).json();
    expect(body.status).toBe('COMPLETED');
    expect(body.progress).toEqual({ current: 0, total: 0, percentage: 100 });
  });

  it('is documented in the OpenAPI document, 404 body included', async () => {
    const doc = (await get('/api/docs-json')).json();
    const op = doc.paths['/api/tasks/{task_id}/status'].get;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '404']));
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.TaskStatusDto.properties)).toEqual(
      expect.arrayContaining(['task_id', 'status', 'progress', 'completed_segments', 'errors']),
    );
    expect(schemas.TaskProgressDto.required).toEqual(['current', 'total', 'percentage']);
    expect(schemas.ErrorBodyDto.properties.error).toBeDefined();
  });

  it('serves Swagger UI at /api/docs', async () => {
    const res = await get('/api/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('swagger-ui');
  });
});

describe('error shape of the whole API (e2e)', () => {
  const t = useTestApp();
  it('unknown route: 404 JSON', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/does-not-exist/' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: 'Not found' });
  });

  it('malformed JSON body: 400 JSON, no stack trace', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/tasks/x/status/',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.json())).toEqual(['error']);
    expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('body over 1 MB: 413 JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/tasks/x/status/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'a'.repeat(1024 * 1024 + 10) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: expect.any(String) });
  });

  it('CORS allows the configured origin only', async () => {
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/tasks/x/status/',
      headers: { origin: 'http://localhost:3000' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/tasks/x/status/',
      headers: { origin: 'http://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
