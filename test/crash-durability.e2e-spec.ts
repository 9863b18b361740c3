import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWavHeader } from '../src/audio/engine/wav';
import type { TaskSnapshot } from '../src/tasks/task.types';
import { ServerProcess, startServerProcess } from './support/server-process';

const ROOT = join(__dirname, '..');
const SEGMENTS = 44;
const LINE = 'The ferry left at dawn, and the gulls followed it far out over the grey water.';

/** Newest modification time of the files under a folder (ms). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** The test runs the built server: build it when dist/ is missing or older than src/. */
function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(ROOT, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', '.bin', 'nest'), 'build'], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}

async function json<T>(server: ServerProcess, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as T;
}

function audioFiles(dataDir: string, projectId: string): string[] {
  const dir = join(dataDir, 'media', 'projects', projectId, 'audio');
  return existsSync(dir) ? readdirSync(dir) : [];
}

interface SegmentJson {
  id: string;
  audio_file: string | null;
  audio_duration: number | null;
}

describe('crash durability: SIGKILL never takes back what a poll showed (e2e, built server)', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it(`${SEGMENTS} segments on 2 workers, SIGKILL at current ≥ 5, restart on the same DATA_DIR`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'storyflow-crash-'));
    const env = { DATA_DIR: dataDir, TTS_WORKERS: '2', LOG_LEVEL: 'warn' };
    let server = await startServerProcess(env, { built: true });
    let restarted: ServerProcess | undefined;
    try {
      const project = await json<{ id: string }>(server, '/api/projects/import/', {
        format: 'json',
        title: 'Killed while polled',
        segments: Array.from({ length: SEGMENTS }, (_, i) => ({ text_content: `${i}. ${LINE}` })),
      });
      const batch = await json<{ task_id: string }>(
        server,
        `/api/projects/${project.id}/generate-all-audio/`,
        {},
      );
      let lastPolled: TaskSnapshot;
      for (;;) {
        lastPolled = await json<TaskSnapshot>(server, `/api/tasks/${batch.task_id}/status/`);
        if (lastPolled.progress.current >= 5) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');

      restarted = server = await startServerProcess(env, { built: true });
      const status = await json<TaskSnapshot>(server, `/api/tasks/${batch.task_id}/status/`);
      expect(status.status).toBe('FAILED');
      expect(status.errors).toContainEqual({
        segment_id: null,
        error: 'Interrupted by server restart',
      });
      expect(status.progress.current).toBeGreaterThanOrEqual(lastPolled.progress.current);
      // Everything the last poll listed is still listed, in the same order.
      expect(status.completed_segments.slice(0, lastPolled.completed_segments.length)).toEqual(
        lastPolled.completed_segments,
      );

      const detail = await json<{ segments: SegmentJson[] }>(
        server,
        `/api/projects/${project.id}/`,
      );
      const withAudio = detail.segments.filter((s) => s.audio_file).map((s) => s.id);
      expect(status.completed_segments.map((c) => c.segment_id).sort()).toEqual(withAudio.sort());
      expect(status.progress.current).toBe(
        status.completed_segments.length + status.errors.filter((e) => e.segment_id).length,
      );

      for (const segment of detail.segments.filter((s) => s.audio_file)) {
        const bytes = readFileSync(
          join(dataDir, 'media', 'projects', project.id, 'audio', `${segment.id}.wav`),
        );
        const wav = parseWavHeader(bytes);
        // Whole: the RIFF size covers the file (the samples, then the boundaries' chunk).
        expect(bytes.readUInt32LE(4) + 8).toBe(bytes.length);
        expect(wav.durationSeconds).toBeCloseTo(segment.audio_duration!, 3);
      }
      // The start-up sweep removes temporary files in the background: wait for it.
      const deadline = Date.now() + 30_000;
      while (audioFiles(dataDir, project.id).some((f) => f.includes('.tmp-'))) {
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(audioFiles(dataDir, project.id).filter((f) => f.includes('.tmp-'))).toEqual([]);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
      if (restarted !== server) restarted?.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
