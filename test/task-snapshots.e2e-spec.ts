import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskSnapshot } from '../src/tasks/task.types';
import { useTestApp } from './support/test-app';

const SEGMENTS = 14;
const texts = Array.from(
  { length: SEGMENTS },
  (_, i) => `${i + 1}. The lamp burned low while the rain kept time on the roof.`,
);

/**
 * Every `status` event of a task's stream, read over a real socket until the stream ends;
 * `first` resolves once the first event arrived (the stream is subscribed).
 */
function streamOf(port: number, taskId: string) {
  let firstSeen!: () => void;
  const first = new Promise<void>((resolve) => (firstSeen = resolve));
  const all = new Promise<TaskSnapshot[]>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: `/api/tasks/${taskId}/events/` },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.includes('event: status')) firstSeen();
        });
        res.on('end', () =>
          resolve(
            body
              .split('\n\n')
              .filter((block) => block.includes('event: status'))
              .map((block) => {
                const data = block.split('\n').find((line) => line.startsWith('data:'))!;
                return JSON.parse(data.slice(5)) as TaskSnapshot;
              }),
          ),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
  return { first, all };
}

/**
 * The issue 11 invariant, on one sequence of snapshots as a client saw them: each is
 * consistent on its own, and none takes back anything an earlier one showed.
 */
function expectConsistentSequence(seen: TaskSnapshot[]): void {
  expect(seen.length).toBeGreaterThan(0);
  const rank = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 } as const;
  seen.forEach((snapshot, i) => {
    const { progress, completed_segments: done, errors } = snapshot;
    if (snapshot.status === 'PENDING' || snapshot.status === 'PROCESSING') {
      const failed = errors.filter((e) => e.segment_id !== null).length;
      expect(progress.current).toBe(done.length + failed);
      expect(progress.percentage).toBe(Math.floor((100 * progress.current) / progress.total));
      const inProgress = progress.current_segment_ids ?? [];
      if (progress.current_segment_id !== undefined) {
        expect([progress.current_segment_id, ...inProgress]).not.toContain(undefined);
      }
      // A segment in progress has not settled yet.
      const settled = new Set([
        ...done.map((d) => d.segment_id),
        ...errors.map((e) => e.segment_id),
      ]);
      for (const id of inProgress) expect(settled.has(id)).toBe(false);
    } else {
      expect(i).toBe(seen.length - 1); // the terminal snapshot comes last
    }
    if (i === 0) return;
    const before = seen[i - 1];
    expect(rank[snapshot.status]).toBeGreaterThanOrEqual(rank[before.status]);
    expect(progress.current).toBeGreaterThanOrEqual(before.progress.current);
    expect(progress.percentage).toBeGreaterThanOrEqual(before.progress.percentage);
    expect(done.slice(0, before.completed_segments.length)).toEqual(before.completed_segments);
    expect(errors.slice(0, before.errors.length)).toEqual(before.errors);
  });
}

describe('one version per settled segment: events and polls agree (e2e, real engine, 2 workers)', () => {
  const t = useTestApp({ engine: 'real', env: { TTS_WORKERS: '2' } });
  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
  });

  it(`follows a ${SEGMENTS}-segment batch through the event stream and fast polling`, async () => {
    const http = t.http;
    const project = await http.importProject(texts, 'Snapshots');
    const accepted = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
    expect(accepted.statusCode).toBe(202);
    const taskId: string = accepted.json().task_id;
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const events = streamOf(port, taskId);
    await events.first;

    // Poll back to back until the terminal snapshot (no sleeping: only a turn of the event
    // loop between polls, so that the engine's answers get in).
    const polled: TaskSnapshot[] = [];
    let etag: string | undefined;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const res = await http.get(
        `/api/tasks/${taskId}/status/`,
        etag ? { 'if-none-match': etag } : undefined,
      );
      if (res.statusCode === 304) continue;
      expect(res.statusCode).toBe(200);
      etag = res.headers.etag as string;
      const snapshot = res.json() as TaskSnapshot;
      polled.push(snapshot);
      if (snapshot.status === 'COMPLETED' || snapshot.status === 'FAILED') break;
    }
    const streamed = await events.all;

    expectConsistentSequence(polled);
    expectConsistentSequence(streamed);
    // Several segments were in progress at once at some point, and named together.
    expect(
      [...polled, ...streamed].some((s) => (s.progress.current_segment_ids?.length ?? 0) > 1),
    ).toBe(true);
    // Polls started once the stream was subscribed: every version they saw, the stream sent too.
    const streamedJson = new Set(streamed.map((s) => JSON.stringify(s)));
    for (const snapshot of polled) expect(streamedJson.has(JSON.stringify(snapshot))).toBe(true);

    const last = streamed[streamed.length - 1];
    expect(last).toEqual(polled[polled.length - 1]);
    expect(last.status).toBe('COMPLETED');
    expect(last.progress).toEqual({ current: SEGMENTS, total: SEGMENTS, percentage: 100 });
    expect(last.completed_segments).toHaveLength(SEGMENTS);
    // The stream saw every settled segment as its own version: current went up one at a time.
    const currents = streamed.map((s) => s.progress.current);
    for (let i = 1; i < currents.length; i++) {
      expect(currents[i] - currents[i - 1]).toBeLessThanOrEqual(1);
    }
  });
});
