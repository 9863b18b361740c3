import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SynthesisFailedError } from '../src/audio/engine/tts-engine.errors';
import {
  SynthesisOptions,
  SynthesisRequest,
  SynthesisResult,
  TtsEngine,
} from '../src/audio/engine/tts.engine';
import { parseWavHeader } from '../src/audio/engine/wav';
import { configuredEngine } from './support/engines';
import { api } from './support/story-api';
import { startServerProcess } from './support/server-process';
import { taskFinished } from './support/tasks';
import { startTestApp, useTestApp } from './support/test-app';

const LINE = 'A calm voice read the letter aloud, slowly, word by word, to the end.';

/** The real engine, except that it throws for one text: a fault injected at the port. */
class FaultyEngine extends TtsEngine {
  constructor(
    private readonly real: TtsEngine,
    private readonly poison: string,
  ) {
    super();
  }
  get workers() {
    return this.real.workers;
  }
  start() {
    return this.real.start();
  }
  synthesize(request: SynthesisRequest, options?: SynthesisOptions): Promise<SynthesisResult> {
    if (request.text === this.poison) {
      return Promise.reject(new SynthesisFailedError('injected engine failure'));
    }
    return this.real.synthesize(request, options);
  }
  isAvailable() {
    return this.real.isAvailable();
  }
  stats() {
    return this.real.stats();
  }
  close() {
    return this.real.close();
  }
}

/** Every segment that claims audio points to a complete WAV of the claimed duration. */
function expectCompleteWavs(
  dataDir: string,
  segments: {
    id: string;
    project: string;
    audio_file: string | null;
    audio_duration: number | null;
  }[],
) {
  for (const s of segments.filter((x) => x.audio_file)) {
    const path = join(dataDir, 'media', 'projects', s.project, 'audio', `${s.id}.wav`);
    const bytes = readFileSync(path);
    const wav = parseWavHeader(bytes);
    // Whole: the RIFF size covers the file (the samples, then the word boundaries' chunk).
    expect(bytes.readUInt32LE(4) + 8).toBe(bytes.length);
    expect(wav.durationSeconds).toBeCloseTo(s.audio_duration!, 3);
  }
}

function temporaryFiles(dataDir: string): string[] {
  const root = join(dataDir, 'media', 'projects');
  const found: string[] = [];
  for (const project of safeReaddir(root)) {
    for (const file of safeReaddir(join(root, project, 'audio'))) {
      if (file.includes('.tmp-')) found.push(file);
    }
  }
  return found;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe('faults, injected (e2e)', () => {
  describe('the engine throws for one segment', () => {
    const poison = 'This segment makes the engine throw.';
    const t = useTestApp({
      overrides: [
        {
          provide: TtsEngine,
          useValue: new FaultyEngine(configuredEngine(2), poison),
        },
      ],
      engine: 'real',
    });
    it('records that segment as an error; the others complete', async () => {
      const http = t.http;
      const project = await http.importProject([LINE, poison, LINE]);
      const res = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
      const final = await taskFinished(t.app, res.json().task_id);
      expect(final.status).toBe('COMPLETED');
      expect(final.errors).toEqual([
        { segment_id: project.segments[1].id, error: 'Speech synthesis failed' },
      ]);
      expect(final.completed_segments).toHaveLength(2);
      expectCompleteWavs(
        t.dataDir,
        (await http.get(`/api/projects/${project.id}/`)).json().segments,
      );
    });
  });

  describe('a worker thread dies mid-segment', () => {
    // The hooks are a switch of the worker threads' environment (see espeak.worker.mjs), not of
    // the app's configuration: on for this block's workers, replacements included.
    const hooksBefore = process.env.STORYFLOW_TEST_HOOKS;
    beforeAll(() => (process.env.STORYFLOW_TEST_HOOKS = '1'));
    const t = useTestApp({ engine: 'real' });
    afterAll(() => {
      if (hooksBefore === undefined) delete process.env.STORYFLOW_TEST_HOOKS;
      else process.env.STORYFLOW_TEST_HOOKS = hooksBefore;
    });

    it.each([
      ['exits', '\uE000__crash__'],
      ['throws an uncaught exception', '\uE000__throw__'],
    ])(
      'when it %s, that segment is an error, the worker is replaced, the rest complete',
      async (_how, text) => {
        const http = t.http;
        const project = await http.importProject([LINE, text, LINE, LINE, LINE]);
        const res = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
        const final = await taskFinished(t.app, res.json().task_id);
        expect(final.status).toBe('COMPLETED');
        expect(final.errors).toEqual([
          { segment_id: project.segments[1].id, error: 'Speech synthesis failed' },
        ]);
        expect(final.completed_segments).toHaveLength(4);
        expectCompleteWavs(
          t.dataDir,
          (await http.get(`/api/projects/${project.id}/`)).json().segments,
        );
        // The pool is whole again: a new task runs on both workers.
        const again = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {
          force_regenerate: true,
        });
        expect((await taskFinished(t.app, again.json().task_id)).completed_segments).toHaveLength(
          4,
        );
      },
    );
  });

  describe('the database is busy for a moment', () => {
    const t = useTestApp({ engine: 'real' });
    it('the write waits for the lock (busy timeout) and nothing is lost', async () => {
      const http = t.http;
      const project = await http.importProject([LINE, LINE, LINE]);
      // Another process holds an exclusive lock on the database for 1.5 s.
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const db = new (require('better-sqlite3'))(process.argv[1]);
           db.exec('BEGIN EXCLUSIVE');
           process.stdout.write('locked\\n');
           setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released ' + Date.now() + '\\n'); }, 1500);`,
          join(t.dataDir, 'storyflow.db'),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const released = new Promise((resolve) => holder.once('exit', resolve));
      let output = '';
      holder.stdout!.on('data', (chunk) => (output += chunk));
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      const res = await http.post(`/api/projects/${project.id}/generate-all-audio/`);
      const final = await taskFinished(t.app, res.json().task_id);
      expect(await released).toBe(0);
      // The segments' writes had to wait for the lock to go: the task ended after it did.
      const releasedAt = Number(/released (\d+)/.exec(output)![1]);
      expect(Date.parse(final.finished_at!)).toBeGreaterThanOrEqual(releasedAt - 5);
      expect(final.errors).toEqual([]);
      expect(final.completed_segments).toHaveLength(3);
      const detail = (await http.get(`/api/projects/${project.id}/`)).json();
      expect(detail.segments.every((s: { audio_file: string | null }) => s.audio_file)).toBe(true);
      expectCompleteWavs(t.dataDir, detail.segments);
    });
  });

  describe('SIGKILL in the middle of a batch, then a restart on the same DATA_DIR', () => {
    it('leaves no partial WAV, every audio_file is complete, the interrupted task is reported', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'storyflow-kill-'));
      const server = await startServerProcess({ DATA_DIR: dataDir });
      const post = (path: string, body: unknown = {}) =>
        fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<Record<string, string>>);
      const project = await post('/api/projects/import/', {
        format: 'json',
        title: 'Killed midway',
        segments: Array.from({ length: 80 }, (_, i) => ({ text_content: `${i}. ${LINE} ${LINE}` })),
      });
      const batch = await post(`/api/projects/${project.id}/generate-all-audio/`);
      // Kill it once some segments are done and more are under way.
      for (;;) {
        const status = (await fetch(`${server.baseUrl}/api/tasks/${batch.task_id}/status/`).then(
          (r) => r.json(),
        )) as { completed_segments: unknown[] };
        if (status.completed_segments.length >= 3) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');

      const t = await startTestApp({ env: { DATA_DIR: dataDir }, engine: 'real' });
      try {
        const http = api(t.app);
        const status = (await http.get(`/api/tasks/${batch.task_id}/status/`)).json();
        expect(status.status).toBe('FAILED');
        expect(status.errors).toContainEqual({
          segment_id: null,
          error: 'Interrupted by server restart',
        });
        const detail = (await http.get(`/api/projects/${project.id}/`)).json();
        expect(detail.segments).toHaveLength(80);
        const withAudio = detail.segments.filter(
          (s: { audio_file: string | null }) => s.audio_file,
        );
        expect(withAudio.length).toBeGreaterThanOrEqual(1);
        expect(withAudio.length).toBeLessThan(80);
        expectCompleteWavs(dataDir, detail.segments);
        // The start-up sweep removed any half-written file.
        await new Promise((resolve) => setImmediate(resolve));
        expect(temporaryFiles(dataDir)).toEqual([]);
        // Files on disk without a recorded segment are complete too (renamed into place whole).
        const audioDir = join(dataDir, 'media', 'projects', project.id, 'audio');
        for (const file of safeReaddir(audioDir).filter((name) => name.endsWith('.wav'))) {
          const bytes = readFileSync(join(dataDir, 'media', 'projects', project.id, 'audio', file));
          parseWavHeader(bytes); // throws if the data chunk is cut short
          expect(bytes.readUInt32LE(4) + 8).toBe(bytes.length);
          expect(
            statSync(join(dataDir, 'media', 'projects', project.id, 'audio', file)).size,
          ).toBeGreaterThan(44);
        }
      } finally {
        await t.close();
      }
    });
  });
});
