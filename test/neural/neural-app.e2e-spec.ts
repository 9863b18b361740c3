import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { chooseEngine } from '../../src/audio/engine/engine-selection';
import { EngineVoices } from '../../src/audio/engine/engine-voices';
import { TtsEngine } from '../../src/audio/engine/tts.engine';
import { parseWavHeader } from '../../src/audio/engine/wav';
import { startServerProcess } from '../support/server-process';
import { taskFinished } from '../support/tasks';
import { startTestApp, testConfig, useTestApp } from '../support/test-app';
import {
  FIXTURE_KOKORO_VOICES,
  kokoroModel,
  voicesNpz,
  writeKokoroFolder,
  writePiperFolder,
} from './support/onnx-fixtures';

// The service with each engine chosen by TTS_ENGINE / auto, on fixture model files.

const STORYFLOW_IDS = [
  'af_bella',
  'af_sarah',
  'af_nicole',
  'am_adam',
  'am_michael',
  'bf_emma',
  'bm_george',
];

const scratch = mkdtempSync(join(tmpdir(), 'neural-app-'));
const kokoroDir = writeKokoroFolder(join(scratch, 'kokoro'));
const kokoroV1Dir = writeKokoroFolder(join(scratch, 'kokoro-v1'), 'v1.0');
const piperDir = writePiperFolder(join(scratch, 'piper'));
const emptyDir = join(scratch, 'empty');
mkdirSync(emptyDir);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('engine selection: TTS_ENGINE and auto', () => {
  const choose = (
    ttsEngine: 'auto' | 'espeak' | 'kokoro' | 'piper',
    kokoro: string,
    piper: string | null,
  ) => chooseEngine({ ttsEngine, kokoroModelDir: kokoro, piperVoicesDir: piper }).kind;

  it('auto: Kokoro when its folder holds a model and voices, then Piper, then eSpeak', () => {
    expect(choose('auto', kokoroDir, piperDir)).toBe('kokoro');
    expect(choose('auto', kokoroV1Dir, null)).toBe('kokoro');
    expect(choose('auto', emptyDir, piperDir)).toBe('piper');
    expect(choose('auto', join(scratch, 'nowhere'), piperDir)).toBe('piper');
    expect(choose('auto', emptyDir, null)).toBe('espeak');
    expect(choose('auto', emptyDir, emptyDir)).toBe('espeak');
  });

  it('an explicit engine wins over auto', () => {
    expect(choose('espeak', kokoroDir, piperDir)).toBe('espeak');
    expect(choose('piper', kokoroDir, piperDir)).toBe('piper');
    expect(choose('kokoro', kokoroDir, piperDir)).toBe('kokoro');
  });

  it('auto skips a Kokoro folder whose voices file is missing', () => {
    const half = join(scratch, 'half');
    mkdirSync(half);
    writeFileSync(join(half, 'kokoro-v0_19.onnx'), kokoroModel('v0.19'));
    expect(choose('auto', half, null)).toBe('espeak');
    expect(() => choose('kokoro', half, null)).toThrow(
      `Kokoro voices file missing: ${join(half, 'voices.bin')} (KOKORO_MODEL_DIR=${half})`,
    );
  });

  it('an explicit engine without its files is refused, naming the file and the variable', () => {
    const choose = (env: Record<string, string>) =>
      chooseEngine(testConfig({ DATA_DIR: join(scratch, 'data'), ...env }));
    expect(() => choose({ TTS_ENGINE: 'kokoro', KOKORO_MODEL_DIR: emptyDir })).toThrow(
      `no Kokoro model in KOKORO_MODEL_DIR=${emptyDir}: expected ${join(emptyDir, 'kokoro-v1.0.onnx')}`,
    );
    // KOKORO_MODEL_DIR defaults to <DATA_DIR>/models, StoryFlow's place.
    expect(() => choose({ TTS_ENGINE: 'kokoro' })).toThrow(
      `the folder ${join(scratch, 'data', 'models')} (KOKORO_MODEL_DIR) does not exist`,
    );
    expect(() => choose({ TTS_ENGINE: 'piper' })).toThrow(
      'TTS_ENGINE=piper needs PIPER_VOICES_DIR',
    );
    expect(() => choose({ TTS_ENGINE: 'piper', PIPER_VOICES_DIR: emptyDir })).toThrow(
      `no voice in ${emptyDir} (PIPER_VOICES_DIR)`,
    );
    expect(() => testConfig({ TTS_ENGINE: 'festival' })).toThrow(/TTS_ENGINE="festival"/);
  });

  it('the server does not start without the files, or with a corrupt model, and says why', async () => {
    const corrupt = join(scratch, 'corrupt');
    mkdirSync(corrupt);
    const model = join(corrupt, 'kokoro-v0_19.onnx');
    writeFileSync(model, 'this is not an ONNX model');
    writeFileSync(join(corrupt, 'voices.bin'), voicesNpz());
    const data = join(scratch, 'server-data');
    const [missing, broken] = await Promise.allSettled([
      startServerProcess({ DATA_DIR: data, TTS_ENGINE: 'kokoro', KOKORO_MODEL_DIR: emptyDir }),
      startServerProcess({ DATA_DIR: data, KOKORO_MODEL_DIR: corrupt }),
    ]);
    expect(missing.status).toBe('rejected');
    expect(String((missing as PromiseRejectedResult).reason)).toContain(`server exited at start:`);
    expect(String((missing as PromiseRejectedResult).reason)).toContain(
      `no Kokoro model in KOKORO_MODEL_DIR=${emptyDir}`,
    );
    expect(broken.status).toBe('rejected');
    expect(String((broken as PromiseRejectedResult).reason)).toContain(
      `The kokoro engine could not load ${model}, ${join(corrupt, 'voices.bin')} (KOKORO_MODEL_DIR): `,
    );
  });

  it('a corrupt voices file is refused, naming it', () => {
    const dir = join(scratch, 'bad-voices');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kokoro-v0_19.onnx'), kokoroModel('v0.19'));
    writeFileSync(join(dir, 'voices.bin'), 'PK but not really');
    expect(() =>
      chooseEngine({ ttsEngine: 'auto', kokoroModelDir: dir, piperVoicesDir: null }),
    ).toThrow(`Kokoro voices file ${join(dir, 'voices.bin')} (KOKORO_MODEL_DIR) is unreadable`);
  });
});

describe('the service on Kokoro fixture files (e2e, TTS_ENGINE=auto)', () => {
  const t = useTestApp({ engine: 'real', env: { KOKORO_MODEL_DIR: kokoroDir } });
  let warnings: string[] = [];

  beforeAll(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message) {
      warnings.push(String(message));
    });
  });
  afterAll(() => jest.restoreAllMocks());

  it('GET /api/health/ names the engine and its files', async () => {
    const body = (await t.http.get('/api/health/')).json();
    expect(body.details.engine).toMatchObject({
      status: 'up',
      engine: 'kokoro',
      files: [join(kokoroDir, 'kokoro-v0_19.onnx'), join(kokoroDir, 'voices.bin')],
      workers: 2,
    });
  });

  it("GET /api/settings/voices/ offers StoryFlow's ids, then the voices file's others", async () => {
    const voices = (await t.http.get('/api/settings/voices/')).json();
    // The fixture file lacks af_nicole and am_michael: still offered, they fall back (below).
    expect(voices.map((v: { id: string }) => v.id)).toEqual([...STORYFLOW_IDS, 'af_sky']);
    expect(FIXTURE_KOKORO_VOICES.filter((id) => !STORYFLOW_IDS.includes(id))).toEqual(['af_sky']);
    expect(voices).toContainEqual({
      id: 'af_sky',
      name: 'Sky',
      gender: 'female',
      accent: 'American',
    });
    expect(voices).toContainEqual({
      id: 'af_bella',
      name: 'Bella',
      gender: 'female',
      accent: 'American',
    });
    expect(voices).toContainEqual({
      id: 'bm_george',
      name: 'George',
      gender: 'male',
      accent: 'British',
    });
  });

  it("previews the engine's own voices, and a setting may name them (offered by /voices/)", async () => {
    const preview = await t.http.post('/api/settings/tts-test/', { text: 'Hi.', voice: 'af_sky' });
    expect(preview.statusCode).toBe(200);
    expect(parseWavHeader(preview.rawPayload).sampleRate).toBe(24000);
    const refused = await t.http.post('/api/settings/tts-test/', {
      text: 'Hi.',
      voice: 'af_robot',
    });
    expect(refused.json()).toEqual({
      error: 'Validation failed',
      details: { voice: ['"af_robot" is not a valid choice.'] },
    });
    const sky = await t.http.patch('/api/settings/', { default_voice_id: 'af_sky' });
    expect(sky.statusCode).toBe(200);
    expect(sky.json().default_voice_id).toBe('af_sky');
    const robot = await t.http.patch('/api/settings/', { default_voice_id: 'af_robot' });
    expect(robot.json().details).toEqual({
      default_voice_id: ['"af_robot" is not a valid choice.'],
    });
    await t.http.patch('/api/settings/', { default_voice_id: 'af_bella' });
  });

  it('generates 24 kHz WAVs whose durations come from the sample count', async () => {
    const project = await t.http.importProject(['Hello, world.', 'The fox ran home.']);
    const res = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`);
    const final = await taskFinished(t.app, res.json().task_id);
    expect(final.status).toBe('COMPLETED');
    expect(final.errors).toEqual([]);
    const detail = (await t.http.get(`/api/projects/${project.id}/`)).json();
    for (const segment of detail.segments) {
      const file = join(t.dataDir, 'media', 'projects', project.id, 'audio', `${segment.id}.wav`);
      const wav = parseWavHeader(readFileSync(file));
      expect(wav.sampleRate).toBe(24000);
      expect(segment.audio_duration).toBeCloseTo(wav.dataBytes / 2 / 24000, 3);
    }
  });

  it('a voice the voices file lacks falls back to the default, with a log line', async () => {
    const patch = await t.http.patch('/api/settings/', { default_voice_id: 'af_nicole' });
    expect(patch.statusCode).toBe(200);
    const project = await t.http.importProject(['Still narrated.']);
    const res = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`);
    const final = await taskFinished(t.app, res.json().task_id);
    expect(final.status).toBe('COMPLETED');
    expect(final.errors).toEqual([]);
    expect(warnings).toContain(
      'Voice "af_nicole" is not available with the kokoro engine: using "af_bella"',
    );
    const preview = await t.http.post('/api/settings/tts-test/', {
      text: 'Preview.',
      voice: 'am_michael',
    });
    expect(preview.statusCode).toBe(200);
    expect(parseWavHeader(preview.rawPayload).sampleRate).toBe(24000);
    expect(warnings).toContain(
      'Voice "am_michael" is not available with the kokoro engine: using "af_bella"',
    );
  });
});

describe('the service on Piper fixture voices (e2e, TTS_ENGINE=piper)', () => {
  const t = useTestApp({
    engine: 'real',
    env: { TTS_ENGINE: 'piper', PIPER_VOICES_DIR: piperDir, KOKORO_MODEL_DIR: kokoroDir },
  });

  it("lists StoryFlow's seven ids mapped to the closest voices, then Piper's own", async () => {
    const voices = (await t.http.get('/api/settings/voices/')).json();
    expect(voices.map((v: { id: string }) => v.id)).toEqual([
      'af_bella',
      'af_sarah',
      'af_nicole',
      'am_adam',
      'am_michael',
      'bf_emma',
      'bm_george',
      'en_GB-alba-medium',
      'en_US-lessac-medium',
      'en_US-ryan-low',
    ]);
    expect(voices).toContainEqual({
      id: 'en_US-ryan-low',
      name: 'Ryan (low)',
      gender: 'male',
      accent: 'American',
    });
    const mapped = t.app.get(EngineVoices);
    expect(mapped.resolve('af_bella').engineVoice).toBe('en_US-lessac-medium');
    expect(mapped.resolve('am_adam').engineVoice).toBe('en_US-ryan-low');
    expect(mapped.resolve('bf_emma').engineVoice).toBe('en_GB-alba-medium');
    // No British male voice: the British one, whatever its gender.
    expect(mapped.resolve('bm_george').engineVoice).toBe('en_GB-alba-medium');
  });

  it("previews a Piper voice by its own name, at the json's rate", async () => {
    const res = await t.http.post('/api/settings/tts-test/', {
      text: 'Hello.',
      voice: 'en_US-ryan-low',
    });
    expect(res.statusCode).toBe(200);
    expect(parseWavHeader(res.rawPayload).sampleRate).toBe(16000);
  });

  it("generates WAVs at the voice json's rate", async () => {
    await t.http.patch('/api/settings/', { default_voice_id: 'am_adam' });
    const project = await t.http.importProject(['Hello there.']);
    const res = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`);
    const final = await taskFinished(t.app, res.json().task_id);
    expect(final.errors).toEqual([]);
    const [segment] = project.segments;
    const file = join(t.dataDir, 'media', 'projects', project.id, 'audio', `${segment.id}.wav`);
    expect(parseWavHeader(readFileSync(file)).sampleRate).toBe(16000); // en_US-ryan-low
    expect(t.app.get(TtsEngine).describe().engine).toBe('piper');
  });
});

describe('the service with eSpeak (e2e, TTS_ENGINE=espeak although models are present)', () => {
  it("lists StoryFlow's seven voices, then eSpeak's English voices, and names eSpeak in the health check", async () => {
    const t = await startTestApp({
      engine: 'real',
      env: { TTS_ENGINE: 'espeak', KOKORO_MODEL_DIR: kokoroDir, PIPER_VOICES_DIR: piperDir },
    });
    try {
      const voices = (await t.app.inject('/api/settings/voices/')).json();
      expect(voices.map((v: { id: string }) => v.id)).toEqual([
        ...STORYFLOW_IDS,
        'en-us',
        'en-us-nyc',
        'en',
        'en-gb-x-rp',
        'en-gb-x-gbclan',
        'en-gb-x-gbcwmd',
        'en-gb-scotland',
        'en-029',
      ]);
      await t.app.get(TtsEngine).start();
      // eSpeak's own voices speak too.
      const clip = await t.app.inject({
        method: 'POST',
        url: '/api/settings/tts-test/',
        payload: { text: 'Hello from Scotland.', voice: 'en-gb-scotland' },
      });
      expect(clip.statusCode).toBe(200);
      expect(parseWavHeader(clip.rawPayload).sampleRate).toBe(22050);
      const health = (await t.app.inject('/api/health/')).json();
      expect(health.details.engine).toMatchObject({ engine: 'espeak', files: [] });
    } finally {
      await t.close();
    }
  });
});
