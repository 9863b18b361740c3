import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { decodeAudioFile } from '../support/decode-audio';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { ServerProcess, startServerProcess } from '../support/server-process';

/**
 * Issue 14, end to end: two API processes (ROLE=api) and two worker processes (ROLE=worker)
 * of the built service (dist/main.js), on one shared DATA_DIR, a fresh PostgreSQL database
 * and a Redis server of this test's own (redis-server on a free loopback port, with an
 * append-only file, so that it can be stopped and started again without touching the shared
 * one). Texts are short (eSpeak, one engine thread a worker) to stay within minutes on two
 * busy cores. Assertions are on the order of events, never on durations. Fails (never skips)
 * without redis-server or PostgreSQL: `.ci/run` installs both.
 */

jest.setTimeout(900_000);

interface Snapshot {
  task_id: string;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  progress: { current: number; total: number; percentage: number };
  completed_segments: { segment_id: string; audio_url: string; duration: number }[];
  errors: { segment_id: string | null; error: string }[];
}

let dataDir: string;
let database: TestDatabase;
let redis: PrivateRedis;
let apiA: ServerProcess;
let apiB: ServerProcess;
const workers: ServerProcess[] = [];
const everyProcess: ServerProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of this test's own, its append-only file in a temporary folder. */
async function privateRedis(dir: string): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const ping = async () => {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  };
  return {
    url,
    async start() {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--save',
          '',
          '--daemonize',
          'no',
        ],
        { stdio: 'ignore' },
      );
      let failed: Error | null = null;
      child.once('error', (error) => (failed = error));
      child.unref();
      while (!(await ping())) {
        if (failed) {
          throw new Error(
            `redis-server could not start (${(failed as Error).message}): install Redis ` +
              '(bash .ci/run does: apt package redis-server)',
          );
        }
        await delay(50);
      }
    },
    async stop() {
      const client = new Redis(url, { maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      await client.call('SHUTDOWN').catch(() => undefined); // the connection closes with it
      client.disconnect();
      while (await ping()) await delay(50);
    },
  };
}

function nodeEnv(role: 'api' | 'worker'): Record<string, string> {
  return {
    ROLE: role,
    REDIS_URL: redis.url,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    TTS_WORKERS: '1',
    TTS_ENGINE: 'espeak',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_GENERATION_PER_MINUTE: '10000',
    SHUTDOWN_GRACE_SECONDS: '2',
    // A killed worker's segments go back to the queue within 2 lock periods (15 s by default).
    JOB_LOCK_SECONDS: '5',
  };
}

async function startNode(role: 'api' | 'worker'): Promise<ServerProcess> {
  const node = await startServerProcess(nodeEnv(role), {
    built: true,
    readyPath: role === 'worker' ? '/metrics' : '/api/settings/',
  });
  everyProcess.push(node);
  return node;
}

async function call(node: ServerProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${node.baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: Error) => {
    // A node that does not answer: show what it printed (a crash says why there).
    throw new Error(
      `${method} ${path}: ${error.message}; the node printed:\n${node.output().slice(-4000)}`,
    );
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads whatever the answer holds
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json, headers: res.headers, text };
}

async function importProject(node: ServerProcess, count: number, title: string) {
  const res = await call(node, 'POST', '/api/projects/import/', {
    format: 'json',
    title,
    segments: Array.from({ length: count }, (_, i) => ({
      text_content: `Line ${i + 1}.`,
      image_prompt: `p${i}`,
    })),
  });
  expect(res.status).toBe(201);
  return res.json as { id: string; segments: { id: string }[] };
}

async function status(node: ServerProcess, taskId: string): Promise<Snapshot> {
  const res = await call(node, 'GET', `/api/tasks/${taskId}/status/`);
  expect(res.status).toBe(200);
  return res.json as Snapshot;
}

/** Polls `node` every 200 ms until the task is finished; checks it never goes backwards. */
async function pollUntilFinished(node: ServerProcess, taskId: string): Promise<Snapshot> {
  const order = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 2 };
  let last: Snapshot | null = null;
  for (;;) {
    const snapshot = await status(node, taskId);
    if (last) {
      expect(order[snapshot.status]).toBeGreaterThanOrEqual(order[last.status]);
      expect(snapshot.progress.current).toBeGreaterThanOrEqual(last.progress.current);
      expect(snapshot.completed_segments.length).toBeGreaterThanOrEqual(
        last.completed_segments.length,
      );
    }
    last = snapshot;
    if (snapshot.status === 'COMPLETED' || snapshot.status === 'FAILED') return snapshot;
    await delay(200);
  }
}

/** The task's SSE stream on `node`, collected until it ends. */
async function readEvents(node: ServerProcess, taskId: string): Promise<Snapshot[]> {
  const res = await fetch(`${node.baseUrl}/api/tasks/${taskId}/events/`);
  expect(res.status).toBe(200);
  const events: Snapshot[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.event === 'status') events.push(JSON.parse(event.data) as Snapshot);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
  }
  return events;
}

async function expectValidWav(projectId: string, segmentId: string, node: ServerProcess) {
  const file = await readFile(
    join(dataDir, 'media', 'projects', projectId, 'audio', `${segmentId}.wav`),
  );
  expect(file.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(file.subarray(8, 12).toString('latin1')).toBe('WAVE');
  expect(file.readUInt32LE(4)).toBe(file.length - 8);
  expect(file.length).toBeGreaterThan(44 + 1000);
  const served = await fetch(`${node.baseUrl}/media/projects/${projectId}/audio/${segmentId}.wav`);
  expect(served.status).toBe(200);
  expect(Buffer.from(await served.arrayBuffer()).equals(file)).toBe(true);
}

async function temporaryFiles(projectId: string): Promise<string[]> {
  const files = await readdir(join(dataDir, 'media', 'projects', projectId, 'audio')).catch(
    () => [] as string[],
  );
  return files.filter((file) => file.includes('.tmp-'));
}

/** The shared queue's depth as a worker's /metrics reports it. */
async function queueDepth(node: ServerProcess): Promise<number> {
  const metrics = await call(node, 'GET', '/metrics');
  const line = metrics.text
    .split('\n')
    .find((l) => l.startsWith('storyflow_generation_queue_depth'));
  if (!line) throw new Error(`no queue depth in /metrics:\n${metrics.text.slice(0, 500)}`);
  return Number(line.split(' ').pop());
}

/** eSpeak NG's output rate (the workers run eSpeak here). */
const ESPEAK_RATE = 22050;

/**
 * A WAV as the preview or /v1/audio/speech answers it: RIFF/WAVE, PCM 16-bit mono at the
 * engine's rate, and samples that are not silence. A streamed WAV (/v1) has unknown sizes
 * (0xFFFFFFFF); the preview's are exact.
 */
function expectSpokenWav(bytes: Buffer, { streamed }: { streamed: boolean }): number {
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(bytes.subarray(8, 16).toString('latin1')).toBe('WAVEfmt ');
  expect(bytes.subarray(36, 40).toString('latin1')).toBe('data');
  expect(bytes.readUInt16LE(20)).toBe(1); // PCM
  expect(bytes.readUInt16LE(22)).toBe(1); // mono
  expect(bytes.readUInt32LE(24)).toBe(ESPEAK_RATE);
  expect(bytes.readUInt16LE(34)).toBe(16);
  if (streamed) {
    expect(bytes.readUInt32LE(40)).toBe(0xffffffff);
  } else {
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.readUInt32LE(40)).toBe(bytes.length - 44);
  }
  const samples = new Int16Array(
    bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length - (bytes.length % 2)),
  );
  expect(samples.length / ESPEAK_RATE).toBeGreaterThan(0.5);
  // Speech, not silence: loud samples, and many of them.
  const loud = samples.filter((sample) => Math.abs(sample) > 1000).length;
  expect(loud).toBeGreaterThan(samples.length / 20);
  return samples.length / ESPEAK_RATE;
}

/** `POST /api/settings/tts-test/` on `node`, the answer's bytes kept. */
async function preview(node: ServerProcess, body: unknown) {
  const res = await fetch(`${node.baseUrl}/api/settings/tts-test/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function openAiClient(node: ServerProcess): OpenAI {
  return new OpenAI({
    apiKey: 'sk-anything',
    baseURL: `${node.baseUrl}/v1`,
    maxRetries: 0,
    timeout: 280_000,
  });
}

async function generateAll(node: ServerProcess, projectId: string) {
  return call(node, 'POST', `/api/projects/${projectId}/generate-all-audio/`, {});
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sf-scale-'));
  const redisDir = await mkdtemp(join(tmpdir(), 'sf-scale-redis-'));
  redis = await privateRedis(redisDir);
  await redis.start();
  database = await createTestDatabase('scale_multi_node');
  // The first API node runs the migrations; the others start on a migrated database.
  apiA = await startNode('api');
  [apiB] = await Promise.all([startNode('api'), startNode('worker'), startNode('worker')]).then(
    ([b, w1, w2]) => {
      workers.push(w1, w2);
      return [b];
    },
  );
  // Workers are ready once their engine is up.
  for (const worker of workers) {
    for (;;) {
      const health = await call(worker, 'GET', '/api/health/');
      if (health.status === 200) break;
      await delay(200);
    }
  }
});

afterAll(async () => {
  for (const node of everyProcess) {
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
  }
  await Promise.all(everyProcess.map((node) => node.exited));
  await redis?.stop().catch(() => undefined);
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('Scale-out: 2 API + 2 worker processes on Redis, BullMQ and PostgreSQL', () => {
  it('configuration: roles answer what they should', async () => {
    const workerSettings = await call(workers[0], 'GET', '/api/settings/');
    expect(workerSettings.status).toBe(404);
    expect(workerSettings.json.error).toMatch(/worker node/);
    expect((await call(workers[0], 'GET', '/metrics')).status).toBe(200);
    const health = await call(apiB, 'GET', '/api/health/');
    expect(health.status).toBe(200);
    expect(health.json.details.redis.status).toBe('up');
    expect(health.json.details.engine).toBeUndefined(); // an API node runs no engine
  });

  it('synthesis on request on an API node: the preview and /v1/audio/speech (openai SDK, wav and mp3) through the workers', async () => {
    // An API node runs no engine: this WAV was spoken by a worker.
    const clip = await preview(apiA, {
      text: 'The keeper lit the lamp at dusk.',
      voice: 'bm_george',
    });
    expect(clip.status).toBe(200);
    expect(clip.headers.get('content-type')).toBe('audio/wav');
    expect(clip.headers.get('content-disposition')).toBe('inline; filename="tts_test.wav"');
    const seconds = expectSpokenWav(clip.bytes, { streamed: false });
    // Slower speech, a longer clip: the speed reached the worker's engine.
    const slow = await preview(apiA, {
      text: 'The keeper lit the lamp at dusk.',
      voice: 'bm_george',
      speed: 0.5,
    });
    expect(slow.status).toBe(200);
    expect(expectSpokenWav(slow.bytes, { streamed: false })).toBeGreaterThan(seconds * 1.4);
    // The voices this node offers are the ones it validates and the workers speak.
    const voices = (await call(apiB, 'GET', '/api/settings/voices/')).json as { id: string }[];
    const own = voices[voices.length - 1].id; // one of eSpeak's own voices, listed last
    const ownClip = await preview(apiB, { text: 'A voice of the engine itself.', voice: own });
    expect(ownClip.status).toBe(200);
    expectSpokenWav(ownClip.bytes, { streamed: false });
    const refused = await call(apiB, 'POST', '/api/settings/tts-test/', {
      text: 'Hi.',
      voice: 'robot',
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: 'Validation failed',
      details: { voice: ['"robot" is not a valid choice.'] },
    });

    const client = openAiClient(apiB);
    const input =
      'The lighthouse keeper counted the ships in the harbour. Then he wrote every name down in his log.';
    const wav = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'af_bella',
      input,
      response_format: 'wav',
    });
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    expect(wav.headers.get('x-sample-rate')).toBe(String(ESPEAK_RATE));
    const wavSeconds = expectSpokenWav(Buffer.from(await wav.arrayBuffer()), { streamed: true });
    expect(wavSeconds).toBeGreaterThan(2);

    const mp3 = await client.audio.speech.create({ model: 'tts-1', voice: 'af_bella', input });
    expect(mp3.headers.get('content-type')).toBe('audio/mpeg');
    const file = join(dataDir, 'speech-test.mp3');
    await writeFile(file, Buffer.from(await mp3.arrayBuffer()));
    try {
      const decoded = await decodeAudioFile(file, 'mp3');
      expect(decoded.errors).toBe(0);
      expect(decoded.sampleRate).toBe(ESPEAK_RATE);
      // The same speech as the WAV (the encoder's padding aside).
      expect(Math.abs(decoded.samples / ESPEAK_RATE - wavSeconds)).toBeLessThan(0.2);
    } finally {
      await rm(file, { force: true });
    }

    // A voice the node does not offer: 400 in OpenAI's shape, before any worker is asked.
    const unknown = await call(apiA, 'POST', '/v1/audio/speech', {
      model: 'tts-1',
      voice: 'alloy',
      input: 'Hello.',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toEqual(
      expect.objectContaining({ param: 'voice', code: 'invalid_voice' }),
    );
  });

  it('a preview on an API node is answered while a 100-segment batch runs', async () => {
    const big = await importProject(apiA, 100, 'Batch beside a preview');
    const batch = await generateAll(apiA, big.id);
    expect(batch.status).toBe(202);
    const batchId: string = batch.json.task_id;
    while ((await status(apiB, batchId)).progress.current < 1) await delay(100);

    const clip = await preview(apiB, { text: 'Still here while the batch runs.' });
    expect(clip.status).toBe(200);
    expectSpokenWav(clip.bytes, { streamed: false });
    // When the preview is answered, the batch is still running: it did not wait for it.
    const batchThen = await status(apiA, batchId);
    expect(batchThen.status).toBe('PROCESSING');
    expect(batchThen.progress.current).toBeLessThan(100);

    const batchDone = await pollUntilFinished(apiA, batchId);
    expect(batchDone.status).toBe('COMPLETED');
    expect(batchDone.completed_segments).toHaveLength(100);
  });

  it('import on A, generate-all on A, poll and SSE on B until COMPLETED, every WAV valid', async () => {
    const project = await importProject(apiA, 6, 'Cross-node');
    const accepted = await generateAll(apiA, project.id);
    expect(accepted.status).toBe(202);
    const taskId: string = accepted.json.task_id;
    // No 404 window on the other node after the 202.
    const first = await call(apiB, 'GET', `/api/tasks/${taskId}/status/`);
    expect(first.status).toBe(200);
    const [events, polled] = await Promise.all([
      readEvents(apiB, taskId),
      pollUntilFinished(apiB, taskId),
    ]);
    expect(polled.status).toBe('COMPLETED');
    expect(polled.completed_segments.map((c) => c.segment_id).sort()).toEqual(
      project.segments.map((s) => s.id).sort(),
    );
    expect(polled.errors).toEqual([]);
    // SSE on B: versions in order, ending with the terminal one.
    expect(events.length).toBeGreaterThan(0);
    expect(events[events.length - 1].status).toBe('COMPLETED');
    for (let i = 1; i < events.length; i++) {
      expect(events[i].progress.current).toBeGreaterThanOrEqual(events[i - 1].progress.current);
    }
    // The same version has the same ETag on every node.
    const onA = await call(apiA, 'GET', `/api/tasks/${taskId}/status/`);
    const onB = await call(apiB, 'GET', `/api/tasks/${taskId}/status/`);
    expect(onA.headers.get('etag')).toBeTruthy();
    expect(onA.headers.get('etag')).toBe(onB.headers.get('etag'));
    expect(onA.text).toBe(onB.text);
    for (const segment of project.segments) await expectValidWav(project.id, segment.id, apiB);
  });

  it('cancel via B stops a batch accepted on A', async () => {
    const project = await importProject(apiA, 40, 'Cancelled');
    const accepted = await generateAll(apiA, project.id);
    expect(accepted.status).toBe(202);
    const taskId: string = accepted.json.task_id;
    while ((await status(apiB, taskId)).progress.current < 1) await delay(100);
    const cancelled = await call(apiB, 'POST', `/api/tasks/${taskId}/cancel/`);
    expect(cancelled.status).toBe(202);
    const final = await pollUntilFinished(apiA, taskId);
    expect(final.status).toBe('FAILED');
    expect(final.errors).toContainEqual({ segment_id: null, error: 'Cancelled' });
    expect(final.completed_segments.length).toBeLessThan(40);
    // The workers stopped it: once every job of the batch has left the shared queue, at most
    // the segments in flight at the cancel (2 workers × 2 jobs) were written besides the
    // completed ones; the others were dropped, not synthesized.
    while ((await queueDepth(workers[1])) > 0) await delay(200);
    const wavs = (await readdir(join(dataDir, 'media', 'projects', project.id, 'audio'))).filter(
      (file) => file.endsWith('.wav'),
    );
    expect(wavs.length).toBeLessThanOrEqual(final.completed_segments.length + 4);
    // The project is free again: a new batch is accepted, and it does the rest.
    const again = await generateAll(apiB, project.id);
    expect(again.status).toBe(202);
    expect((await pollUntilFinished(apiB, again.json.task_id)).status).toBe('COMPLETED');
  });

  it('a single-segment task finishes while a 100-segment batch runs; a duplicate batch is refused by B', async () => {
    const big = await importProject(apiA, 100, 'Big batch');
    const small = await importProject(apiA, 1, 'Single');
    const batch = await generateAll(apiA, big.id);
    expect(batch.status).toBe(202);
    const batchId: string = batch.json.task_id;
    while ((await status(apiB, batchId)).progress.current < 1) await delay(100);

    const duplicate = await generateAll(apiB, big.id);
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.details.task_id).toBe(batchId);

    const single = await call(
      apiB,
      'POST',
      `/api/segments/${small.segments[0].id}/generate-audio/`,
    );
    expect(single.status).toBe(202);
    const singleDone = await pollUntilFinished(apiB, single.json.task_id);
    expect(singleDone.status).toBe('COMPLETED');
    // When the single segment is done, the batch is still running: it did not wait for it.
    const batchThen = await status(apiA, batchId);
    expect(batchThen.status).toBe('PROCESSING');
    expect(batchThen.progress.current).toBeLessThan(100);
    await expectValidWav(small.id, small.segments[0].id, apiA);

    const batchDone = await pollUntilFinished(apiA, batchId);
    expect(batchDone.status).toBe('COMPLETED');
    expect(batchDone.completed_segments).toHaveLength(100);
  });

  it('a worker SIGKILLed mid-batch: the batch still ends COMPLETED with every segment, no partial WAV', async () => {
    const project = await importProject(apiA, 30, 'Killed worker');
    const accepted = await generateAll(apiA, project.id);
    expect(accepted.status).toBe(202);
    const taskId: string = accepted.json.task_id;
    while ((await status(apiB, taskId)).progress.current < 2) await delay(50);
    const victim = workers[0];
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const final = await pollUntilFinished(apiB, taskId);
    expect(final.status).toBe('COMPLETED');
    expect(final.errors).toEqual([]);
    expect(final.completed_segments.map((c) => c.segment_id).sort()).toEqual(
      project.segments.map((s) => s.id).sort(),
    );
    expect(new Set(final.completed_segments.map((c) => c.segment_id)).size).toBe(30);
    for (const segment of project.segments) await expectValidWav(project.id, segment.id, apiA);
    expect(await temporaryFiles(project.id)).toEqual([]);
    // A replacement worker joins for the rest of the test.
    workers[0] = await startNode('worker');
  });

  it('an API node restarts: the batch it accepted goes on, and the restarted node answers it', async () => {
    const project = await importProject(apiA, 20, 'API restart');
    const accepted = await generateAll(apiA, project.id);
    expect(accepted.status).toBe(202);
    const taskId: string = accepted.json.task_id;
    const old = apiA;
    old.child.kill('SIGTERM');
    expect((await old.exited).code).toBe(0);
    apiA = await startNode('api');
    const final = await pollUntilFinished(apiA, taskId);
    expect(final.status).toBe('COMPLETED');
    expect(final.completed_segments).toHaveLength(20);
    expect(final.errors).toEqual([]);
  });

  it('Redis stopped and started again: 503 JSON and a health that says why, no crash, then recovery', async () => {
    const project = await importProject(apiA, 2, 'Redis outage');
    // A worker that is asked to stop while Redis is down.
    const leaving = await startNode('worker');
    while ((await call(leaving, 'GET', '/api/health/')).status !== 200) await delay(200);
    await redis.stop();

    const refused = await generateAll(apiA, project.id);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/application\/json/);
    expect(typeof refused.json.error).toBe('string');
    expect(refused.headers.get('retry-after')).toBeTruthy();
    const previewRefused = await call(apiB, 'POST', '/api/settings/tts-test/', { text: 'Hello.' });
    expect(previewRefused.status).toBe(503);
    expect(previewRefused.json.error).toMatch(/Redis is not reachable/);
    expect(previewRefused.headers.get('retry-after')).toBeTruthy();
    const health = await call(apiB, 'GET', '/api/health/');
    expect(health.status).toBe(503);
    expect(JSON.stringify(health.json)).toMatch(/Redis is not reachable/);
    const workerHealth = await call(workers[1], 'GET', '/api/health/');
    expect(workerHealth.status).toBe(503);
    // It cannot hand its jobs back, so its close never ends: it exits 1 past its deadline
    // (SHUTDOWN_GRACE_SECONDS + 10 s) instead of running on.
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toEqual({ code: 1, signal: null });
    expect(leaving.output()).toMatch(/Shutdown not finished 12 s after SIGTERM/);

    await redis.start();
    // Every node finds Redis again by itself.
    for (const node of [apiA, apiB, ...workers]) {
      while ((await call(node, 'GET', '/api/health/')).status !== 200) await delay(200);
    }
    for (const node of [apiA, apiB, ...workers]) expect(node.child.exitCode).toBeNull();

    const accepted = await generateAll(apiA, project.id);
    expect(accepted.status).toBe(202);
    const final = await pollUntilFinished(apiB, accepted.json.task_id);
    expect(final.status).toBe('COMPLETED');
    expect(final.completed_segments).toHaveLength(2);
    // Speech on request is back too (BullMQ's event stream reconnected by itself).
    const clip = await preview(apiB, { text: 'Redis is back.' });
    expect(clip.status).toBe(200);
    expectSpokenWav(clip.bytes, { streamed: false });
  });

  it('no worker running: the preview and /v1/audio/speech answer 503 with Retry-After, never hang', async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGTERM');
      }
    }
    await Promise.all(workers.map((worker) => worker.exited));

    const refused = await call(apiA, 'POST', '/api/settings/tts-test/', { text: 'Anyone?' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/application\/json/);
    expect(refused.json).toEqual({ error: 'No speech worker is running; try again later' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const speech = await call(apiB, 'POST', '/v1/audio/speech', {
      model: 'tts-1',
      voice: 'af_bella',
      input: 'Anyone there?',
      response_format: 'wav',
    });
    expect(speech.status).toBe(503);
    expect(speech.json).toEqual({
      error: {
        message: 'No speech worker is running; try again later',
        type: 'server_error',
        param: null,
        code: 'engine_unavailable',
      },
    });
    expect(Number(speech.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const node of [apiA, apiB]) {
      expect(node.child.exitCode).toBeNull();
      expect((await call(node, 'GET', '/api/health/')).status).toBe(200);
    }
  });
});
