import { brokenEngine } from './support/engines';
import { taskFinished } from './support/tasks';
import { useTestApp } from './support/test-app';

/** The WAV's header: RIFF/WAVE, PCM, and how many samples it holds. */
function readWav(bytes: Buffer): { sampleRate: number; samples: number } {
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(bytes.subarray(8, 12).toString('latin1')).toBe('WAVE');
  return { sampleRate: bytes.readUInt32LE(24), samples: bytes.readUInt32LE(40) / 2 };
}

describe('Voice preview: POST /api/settings/tts-test/ (e2e, real engine)', () => {
  const t = useTestApp({ env: { TTS_WORKERS: '1' }, engine: 'real' });
  const http = t.http;

  const preview = (body: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/settings/tts-test/', payload: body as object });

  it('200 audio/wav, inline tts_test.wav, a clip that lasts; slower speech is longer', async () => {
    const text = 'The lighthouse keeper counted the ships.';
    const normal = await preview({ text });
    expect(normal.statusCode).toBe(200);
    expect(normal.headers['content-type']).toBe('audio/wav');
    expect(normal.headers['content-disposition']).toBe('inline; filename="tts_test.wav"');
    const wav = readWav(normal.rawPayload);
    expect(wav.samples / wav.sampleRate).toBeGreaterThan(1);
    const slow = readWav((await preview({ text, speed: 0.5 })).rawPayload);
    expect(slow.samples).toBeGreaterThan(wav.samples * 1.4);
    // Another voice, with and without the trailing slash: another clip.
    const george = await t.app.inject({
      method: 'POST',
      url: '/api/settings/tts-test',
      payload: { text, voice: 'bm_george' },
    });
    expect(george.statusCode).toBe(200);
    expect(george.rawPayload.equals(normal.rawPayload)).toBe(false);
  });

  it('uses the current settings when voice and speed are not given', async () => {
    const text = 'One, two, three, four, five.';
    const atNormalSpeed = readWav((await preview({ text, voice: 'am_adam', speed: 1 })).rawPayload);
    await http.patch('/api/settings/', { default_voice_id: 'am_adam', tts_speed: 0.5 });
    try {
      const byDefault = readWav((await preview({ text })).rawPayload);
      const explicit = readWav((await preview({ text, voice: 'am_adam', speed: 0.5 })).rawPayload);
      expect(byDefault.samples).toBeGreaterThan(atNormalSpeed.samples * 1.4);
      expect(Math.abs(byDefault.samples - explicit.samples)).toBeLessThan(explicit.samples * 0.05);
    } finally {
      await http.patch('/api/settings/', { default_voice_id: 'af_bella', tts_speed: 1 });
    }
  });

  it.each([
    [{}, { text: ['This field is required.'] }],
    [{ text: '   ' }, { text: ['This field may not be blank.'] }],
    [{ text: 'x'.repeat(1001) }, { text: ['Ensure this field has no more than 1000 characters.'] }],
    [{ text: 'hi', voice: 'robot' }, { voice: ['"robot" is not a valid choice.'] }],
    [{ text: 'hi', speed: 2.5 }, { speed: ['Ensure this value is less than or equal to 2.'] }],
    [{ text: 'hi', speed: 0.1 }, { speed: ['Ensure this value is greater than or equal to 0.5.'] }],
  ])('%j: 400 JSON with details', async (body, details) => {
    const res = await preview(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.json()).toEqual({ error: 'Validation failed', details });
  });

  it('1,000 characters are fine', async () => {
    const res = await preview({ text: 'ab. '.repeat(250) });
    expect(res.statusCode).toBe(200);
  });

  it('does not wait behind a long batch: it takes its turn on the same pool', async () => {
    const sentence = 'The tide came in over the rocks and the keeper watched the lamp turn. ';
    const project = await http.importProject(
      Array.from({ length: 24 }, (_, i) => `${i + 1}. ${sentence.repeat(3)}`),
      'Long batch',
    );
    const accepted = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
    expect(accepted.statusCode).toBe(202);
    const { task_id: taskId } = accepted.json();
    const clip = await preview({ text: 'Still here.' });
    expect(clip.statusCode).toBe(200);
    // With one worker, the preview waited for at most a segment or two of the batch.
    const status = (await http.get(`/api/tasks/${taskId}/status/`)).json();
    expect(status.status).not.toBe('COMPLETED');
    expect(status.progress.current).toBeLessThan(status.progress.total);
    await http.post(`/api/tasks/${taskId}/cancel/`);
    await taskFinished(t.app, taskId);
  });
});

describe('Voice preview without an engine (e2e)', () => {
  const t = useTestApp({ overrides: [brokenEngine] });

  it('503 JSON with Retry-After', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/settings/tts-test/',
      payload: { text: 'hello' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.json()).toEqual({ error: 'The speech engine is not available; try again later' });
  });
});
