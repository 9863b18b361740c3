import { SynthesisAbortedError, SynthesisFailedError } from '../src/audio/engine/tts-engine.errors';
import { SynthesisMetrics } from '../src/audio/synthesis.metrics';
import { TaskManagerService } from '../src/tasks/task-manager.service';
import { taskFinished } from './support/tasks';
import { useTestApp } from './support/test-app';

/** The value of one sample line, e.g. `storyflow_tasks{status="PENDING"}`; undefined if absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  const scrape = async () => {
    const res = await http.get('/metrics');
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('Prometheus text format at the root, not under /api', async () => {
    const res = await http.get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await http.get('/metrics/')).statusCode).toBe(200);
    expect((await http.get('/api/metrics')).statusCode).toBe(404);
  });

  it('names every metric, process ones included', async () => {
    const body = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'storyflow_tasks',
      'storyflow_generation_queue_depth',
      'storyflow_tts_workers_busy',
      'storyflow_tts_workers',
      'storyflow_task_status_requests_total',
      'storyflow_segment_synthesis_seconds',
    ]) {
      expect(body).toContain(`# TYPE ${name} `);
    }
    expect(sample(body, 'storyflow_tts_workers')).toBe(2);
    expect(sample(body, 'storyflow_generation_queue_depth')).toBe(0);
    expect(sample(body, 'storyflow_tts_workers_busy')).toBe(0);
  });

  it('tasks by status are read from the task manager at scrape time', async () => {
    const before = await scrape();
    const tasks = t.app.get(TaskManagerService);
    await tasks.create('metrics_pending', { total: 1, labels: {} });
    await tasks.create('metrics_done', { total: 0, labels: {} });
    await tasks.finish('metrics_done');
    const after = await scrape();
    const delta = (status: string) =>
      (sample(after, `storyflow_tasks{status="${status}"}`) ?? NaN) -
      (sample(before, `storyflow_tasks{status="${status}"}`) ?? NaN);
    expect(delta('PENDING')).toBe(1);
    expect(delta('COMPLETED')).toBe(1);
    expect(delta('PROCESSING')).toBe(0);
    expect(delta('FAILED')).toBe(0);
  });

  it('counts status requests by answer code', async () => {
    const tasks = t.app.get(TaskManagerService);
    await tasks.create('metrics_polled', { total: 1, labels: {} });
    const count = (body: string, code: number) =>
      sample(body, `storyflow_task_status_requests_total{code="${code}"}`) ?? 0;
    const before = await scrape();
    for (let i = 0; i < 3; i++) await http.get('/api/tasks/metrics_polled/status/');
    const etag = (await http.get('/api/tasks/metrics_polled/status')).headers.etag as string;
    await http.get('/api/tasks/metrics_polled/status/', { 'if-none-match': etag });
    await http.get('/api/tasks/no_such_task/status/');
    await http.get('/api/projects/'); // not a status request
    const after = await scrape();
    expect(count(after, 200) - count(before, 200)).toBe(4);
    expect(count(after, 304) - count(before, 304)).toBe(1);
    expect(count(after, 404) - count(before, 404)).toBe(1);
  });

  it("segment synthesis times: a histogram by outcome, fed through the audio module's SynthesisMetrics", async () => {
    const metrics = t.app.get(SynthesisMetrics);
    metrics.observeSegment(0.3, 'completed');
    await expect(metrics.timeSynthesis(() => Promise.resolve('samples'))).resolves.toBe('samples');
    const aborted = new SynthesisAbortedError();
    await expect(metrics.timeSynthesis(() => Promise.reject(aborted))).rejects.toBe(aborted);
    const failed = new SynthesisFailedError('engine said no');
    await expect(metrics.timeSynthesis(() => Promise.reject(failed))).rejects.toBe(failed);

    const body = await scrape();
    const count = (outcome: string) =>
      sample(body, `storyflow_segment_synthesis_seconds_count{outcome="${outcome}"}`);
    // `completed` may include segments the app itself synthesized, if the hook is wired.
    expect(count('completed')).toBeGreaterThanOrEqual(2);
    expect(count('cancelled')).toBe(1);
    expect(count('failed')).toBe(1);
    expect(
      sample(body, 'storyflow_segment_synthesis_seconds_bucket{le="0.5",outcome="completed"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it('a real generation shows up in the task gauge', async () => {
    const project = await http.importProject(['Counting sheep, one by one.']);
    const before = sample(await scrape(), 'storyflow_tasks{status="COMPLETED"}') ?? 0;
    const res = await http.post(`/api/segments/${project.segments[0].id}/generate-audio/`);
    expect(res.statusCode).toBe(202);
    await taskFinished(t.app, res.json().task_id);
    const body = await scrape();
    expect(sample(body, 'storyflow_tasks{status="COMPLETED"}')).toBe(before + 1);
    expect(sample(body, 'storyflow_tts_workers_busy')).toBe(0);
  });
});
