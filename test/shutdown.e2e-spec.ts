import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api } from './support/story-api';
import { startServerProcess } from './support/server-process';
import { startTestApp } from './support/test-app';

const LINE = 'Far out at sea, the lamp of the lighthouse turned slowly through the long night.';

describe('graceful shutdown on SIGTERM (e2e, real process)', () => {
  it('refuses new work with 503, lets in-flight segments finish, records the rest as interrupted, exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'storyflow-term-'));
    const server = await startServerProcess({ DATA_DIR: dataDir, SHUTDOWN_GRACE_SECONDS: '20' });
    const call = async <T = unknown>(method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    // Long segments, so that some are in flight when the signal comes.
    const long = Array.from({ length: 20 }, () => LINE).join(' ');
    const project = (
      await call<{ id: string }>('POST', '/api/projects/import/', {
        format: 'json',
        title: 'Stopped midway',
        segments: Array.from({ length: 12 }, (_, i) => ({ text_content: `${i}. ${long}` })),
      })
    ).body;
    const other = (
      await call<{ id: string }>('POST', '/api/projects/import/', {
        format: 'json',
        title: 'Too late',
        segments: [{ text_content: 'Knock knock.' }],
      })
    ).body;
    const batch = (
      await call<{ task_id: string }>('POST', `/api/projects/${project.id}/generate-all-audio/`)
    ).body;
    for (;;) {
      const { body } = await call<{ status: string }>('GET', `/api/tasks/${batch.task_id}/status/`);
      if (body.status === 'PROCESSING') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    server.child.kill('SIGTERM');
    await server.waitForOutput('Stopping: new tasks refused');
    // While in-flight segments finish, the server still answers, but takes no new task.
    const refused = await call('POST', `/api/projects/${other.id}/generate-all-audio/`);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'The server is shutting down; try again later' });
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const t = await startTestApp({ env: { DATA_DIR: dataDir }, engine: 'real' });
    try {
      const http = api(t.app);
      const final = (await http.get(`/api/tasks/${batch.task_id}/status/`)).json();
      expect(final.status).toBe('FAILED');
      expect(final.errors).toEqual([{ segment_id: null, error: 'Interrupted by server shutdown' }]);
      // The segments in flight at the signal were let finish, and nothing else started.
      expect(final.completed_segments.length).toBeGreaterThanOrEqual(1);
      expect(final.completed_segments.length).toBeLessThan(12);
      const detail = (await http.get(`/api/projects/${project.id}/`)).json();
      const withAudio = detail.segments.filter((s: { audio_file: string | null }) => s.audio_file);
      expect(withAudio.map((s: { id: string }) => s.id).sort()).toEqual(
        final.completed_segments.map((c: { segment_id: string }) => c.segment_id).sort(),
      );
    } finally {
      await t.close();
    }
  });
});
