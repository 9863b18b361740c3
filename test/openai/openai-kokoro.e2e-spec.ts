import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKokoroFolder, writePiperFolder } from '../neural/support/onnx-fixtures';
import { useTestApp } from '../support/test-app';

// Voice blends and speed on the neural engines, on the fixture models (test/neural/support):
// the fixture Kokoro model's first sample is the first value of the style vector it was
// given (row/2000, + 0.3 for British voices), so a blend's mean is audible in sample 0.

const scratch = mkdtempSync(join(tmpdir(), 'openai-kokoro-'));
const kokoroDir = writeKokoroFolder(join(scratch, 'kokoro'));
const piperDir = writePiperFolder(join(scratch, 'piper'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const input = 'The keeper lit the lamp.';

describe('OpenAI speech with the Kokoro engine: voice blends (e2e, fixture model)', () => {
  const t = useTestApp({
    engine: 'real',
    env: { TTS_ENGINE: 'kokoro', KOKORO_MODEL_DIR: kokoroDir, TTS_WORKERS: '1' },
  });
  const pcm = async (voice: string, speed = 1) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/audio/speech',
      payload: { model: 'kokoro', input, voice, response_format: 'pcm', speed },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-sample-rate']).toBe('24000');
    const bytes = res.rawPayload;
    return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  };

  it("lists Kokoro's voices", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audio/voices' });
    const ids = (res.json() as { voices: { id: string }[] }).voices.map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['af_bella', 'af_sky', 'bf_emma']));
  });

  it('af_bella+bf_emma is the mean of the two style vectors; af_bella(3)+bf_emma(1) the weighted mean', async () => {
    const bella = (await pcm('af_bella'))[0];
    const equal = (await pcm('af_bella+bf_emma'))[0];
    const weighted = (await pcm('af_bella(3)+bf_emma(1)'))[0];
    const same = (await pcm('af_bella(2)+bf_emma(2)'))[0];
    // bf_emma's styles are af_bella's + 0.3 (same row: the blend speaks the first voice's language).
    expect(Math.abs(equal - bella - 0.15 * 32767)).toBeLessThanOrEqual(2);
    expect(Math.abs(weighted - bella - 0.075 * 32767)).toBeLessThanOrEqual(2);
    expect(same).toBe(equal);
    const sky = await pcm('af_sky');
    const blendSky = await pcm('af_bella+af_sky');
    expect(blendSky.length).toBe(sky.length);
  });

  it('a blend with an unknown voice or a zero weight is a 400 naming `voice`', async () => {
    for (const voice of ['af_bella+af_nobody', 'af_bella(0)+af_sky', 'af_bella+']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/audio/speech',
        payload: { model: 'kokoro', input, voice, response_format: 'pcm' },
      });
      expect(res.statusCode).toBe(400);
      expect((res.json() as { error: { param: string } }).error.param).toBe('voice');
    }
  });

  it("speed is clamped to the engine's 0.5–2.0: 0.25 speaks as 0.5, 4.0 as 2.0", async () => {
    const normal = (await pcm('af_bella', 1)).length;
    const half = (await pcm('af_bella', 0.5)).length;
    const quarter = (await pcm('af_bella', 0.25)).length;
    const double = (await pcm('af_bella', 2)).length;
    const quadruple = (await pcm('af_bella', 4)).length;
    expect(half).toBeGreaterThan(normal * 1.9);
    expect(quarter).toBe(half);
    expect(double).toBeLessThan(normal * 0.6);
    expect(quadruple).toBe(double);
  });
});

describe('OpenAI speech with the Piper engine (e2e, fixture voices)', () => {
  const t = useTestApp({
    engine: 'real',
    env: { TTS_ENGINE: 'piper', PIPER_VOICES_DIR: piperDir, TTS_WORKERS: '1' },
  });

  it('speaks a Piper voice; a blend is a 400', async () => {
    const voices = (
      (await t.app.inject({ method: 'GET', url: '/v1/audio/voices' })).json() as {
        voices: { id: string }[];
      }
    ).voices.map((v) => v.id);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/audio/speech',
      payload: { model: 'piper', input, voice: voices[voices.length - 1], response_format: 'wav' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.length).toBeGreaterThan(44);
    const blend = await t.app.inject({
      method: 'POST',
      url: '/v1/audio/speech',
      payload: {
        model: 'piper',
        input,
        voice: `${voices[0]}+${voices[1]}`,
        response_format: 'wav',
      },
    });
    expect(blend.statusCode).toBe(400);
    expect((blend.json() as { error: { code: string } }).error.code).toBe(
      'voice_blend_unsupported',
    );
  });
});
