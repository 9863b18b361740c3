import {
  TtsEngine,
  type SynthesisOptions,
  type SynthesisRequest,
} from '../../src/audio/engine/tts.engine';
import { OpenAiSpeechService } from '../../src/openai/openai-speech.service';
import { FakeTtsEngine } from '../support/engines';
import { useTestApp } from '../support/test-app';

/** OpenAI's error shape, as its SDKs parse it. */
function expectOpenAiError(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  expected: { type?: string; param?: string | null; code?: string | null } = {},
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  expect((body.error.message as string).length).toBeGreaterThan(0);
  for (const [key, value] of Object.entries(expected)) expect(body.error[key]).toEqual(value);
  return body.error;
}

/** A fake engine whose syntheses wait until the test opens the gate. */
class GatedEngine extends FakeTtsEngine {
  private open!: () => void;
  private gate = new Promise<void>((resolve) => (this.open = resolve));
  started = 0;

  release(): void {
    this.open();
  }

  async synthesize(request: SynthesisRequest, options?: SynthesisOptions) {
    this.started += 1;
    await this.gate;
    return super.synthesize(request, options);
  }
}

describe('OpenAI speech API: routes, errors, key, limits (e2e, fake engine)', () => {
  describe('without a key required', () => {
    const t = useTestApp();
    const speech = (payload: object, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/v1/audio/speech', payload, headers });

    it("GET /v1/audio/voices lists the running engine's voices", async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/audio/voices' });
      expect(res.statusCode).toBe(200);
      const { voices } = res.json() as { voices: { id: string; name: string }[] };
      const settings = (await t.http.get('/api/settings/voices/')).json() as { id: string }[];
      expect(voices.map((v) => v.id)).toEqual(settings.map((v) => v.id));
      expect(voices[0]).toEqual(
        expect.objectContaining({ id: expect.any(String), name: expect.any(String) }),
      );
    });

    it('GET /v1/models lists one model per engine; /v1/models/{id} one of them or a 404', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/models' });
      expect(res.statusCode).toBe(200);
      const list = res.json() as { object: string; data: { id: string; object: string }[] };
      expect(list.object).toBe('list');
      expect(list.data.map((m) => m.id)).toEqual(['espeak', 'kokoro', 'piper']);
      expect(list.data.every((m) => m.object === 'model')).toBe(true);
      const one = await t.app.inject({ method: 'GET', url: '/v1/models/kokoro' });
      expect(one.json()).toEqual(expect.objectContaining({ id: 'kokoro', object: 'model' }));
      expectOpenAiError(await t.app.inject({ method: 'GET', url: '/v1/models/gpt-9' }), 404, {
        param: 'model',
        code: 'model_not_found',
      });
    });

    it('the routes are not under /api, and /api keeps its own error shape', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/models' })).statusCode).toBe(404);
      const res = await t.http.post('/api/settings/tts-test/', { text: '' });
      expect(res.statusCode).toBe(400);
      expect(typeof (res.json() as { error: unknown }).error).toBe('string');
    });

    it('200 WAV for a valid request, with the model reported and any key accepted', async () => {
      const res = await speech(
        { model: 'tts-1', input: 'Hello there.', voice: 'af_bella', response_format: 'wav' },
        { authorization: 'Bearer anything' },
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('audio/wav');
      expect(res.headers['x-model']).toBe('tts-1');
      expect(res.headers['x-sample-rate']).toBe('22050');
      expect(res.rawPayload.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(res.rawPayload.length).toBeGreaterThan(44);
    });

    it("speed 0.25–4.0 is accepted and clamped to the engine's 0.5–2.0 (X-Speed)", async () => {
      const body = { model: 'tts-1', input: 'Hi.', voice: 'af_bella', response_format: 'pcm' };
      const slow = await speech({ ...body, speed: 0.25 });
      const fast = await speech({ ...body, speed: 4 });
      const normal = await speech({ ...body, speed: 1.5 });
      expect([slow.statusCode, fast.statusCode, normal.statusCode]).toEqual([200, 200, 200]);
      expect([slow.headers['x-speed'], fast.headers['x-speed'], normal.headers['x-speed']]).toEqual(
        ['0.5', '2', '1.5'],
      );
    });

    const ok = { model: 'tts-1', input: 'Hello.', voice: 'af_bella', response_format: 'wav' };
    it.each([
      ['an empty input', { ...ok, input: '' }, 'input', 'string_too_short'],
      ['a blank input', { ...ok, input: '   ' }, 'input', 'string_too_short'],
      ['a missing input', { ...ok, input: undefined }, 'input', null],
      [
        'an input over 4,096 characters',
        { ...ok, input: 'a'.repeat(4097) },
        'input',
        'string_too_long',
      ],
      ['an unknown voice', { ...ok, voice: 'alloy' }, 'voice', 'invalid_voice'],
      ['a missing voice', { ...ok, voice: undefined }, 'voice', null],
      [
        'an unknown format',
        { ...ok, response_format: 'ogg' },
        'response_format',
        'unsupported_format',
      ],
      ['aac', { ...ok, response_format: 'aac' }, 'response_format', 'unsupported_format'],
      ['opus', { ...ok, response_format: 'opus' }, 'response_format', 'unsupported_format'],
      [
        'a blend under eSpeak',
        { ...ok, voice: 'af_bella+af_sky' },
        'voice',
        'voice_blend_unsupported',
      ],
      [
        'a weighted blend under eSpeak',
        { ...ok, voice: 'af_bella(2)+af_sky(1)' },
        'voice',
        'voice_blend_unsupported',
      ],
      ['a malformed blend', { ...ok, voice: 'af_bella(0)+af_sky' }, 'voice', 'invalid_voice'],
      ['a speed under 0.25', { ...ok, speed: 0.2 }, 'speed', 'out_of_range'],
      ['a speed over 4.0', { ...ok, speed: 4.5 }, 'speed', 'out_of_range'],
      ['a speed that is a string', { ...ok, speed: 'fast' }, 'speed', 'out_of_range'],
    ])("%s: 400 in OpenAI's shape", async (_name, body, param, code) => {
      const res = await speech(body);
      expectOpenAiError(res, 400, { type: 'invalid_request_error', param, code });
    });

    it('Swagger documents the /v1 routes, the body and the error shape', async () => {
      const doc = (await t.http.get('/api/docs-json')).json() as {
        paths: Record<string, Record<string, { requestBody?: unknown; responses: object }>>;
        components: { schemas: Record<string, unknown> };
      };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/audio/speech', '/v1/audio/voices', '/v1/models']),
      );
      const speech = doc.paths['/v1/audio/speech'].post;
      expect(speech.requestBody).toBeDefined();
      expect(Object.keys(speech.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '429', '503']),
      );
      expect(doc.components.schemas).toHaveProperty('SpeechRequestDto');
      expect(doc.components.schemas).toHaveProperty('OpenAiErrorDto');
    });

    it("errors before the handler (bad JSON, too large, unknown /v1 path) are in OpenAI's shape too", async () => {
      const headers = { 'content-type': 'application/json' };
      const url = '/v1/audio/speech';
      const badJson = await t.app.inject({ method: 'POST', url, payload: '{bad', headers });
      expectOpenAiError(badJson, 400, { type: 'invalid_request_error' });
      const large = await t.app.inject({
        method: 'POST',
        url,
        payload: 'x'.repeat(2_000_000),
        headers,
      });
      expectOpenAiError(large, 413);
      const unknown = await t.app.inject({ method: 'GET', url: '/v1/audio/transcriptions' });
      expectOpenAiError(unknown, 404, { type: 'not_found_error' });
      // The same failures elsewhere keep the API's shape.
      const elsewhere = await t.app.inject({ method: 'GET', url: '/api/nothing' });
      expect(elsewhere.json()).toEqual({ error: 'Not found' });
    });

    it('4,096 characters are fine', async () => {
      const res = await speech({ ...ok, input: 'Word word. '.repeat(372).slice(0, 4096) });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('with OPENAI_API_KEY_REQUIRED', () => {
    const t = useTestApp({ env: { OPENAI_API_KEY_REQUIRED: 'sk-local-secret' } });
    const body = { model: 'tts-1', input: 'Hello.', voice: 'af_bella', response_format: 'wav' };

    it.each([
      ['no Authorization', {}, 'missing_api_key'],
      ['a wrong key', { authorization: 'Bearer sk-local-secreT' }, 'invalid_api_key'],
      ['a longer key', { authorization: 'Bearer sk-local-secret2' }, 'invalid_api_key'],
      ['not a bearer token', { authorization: 'Basic c2stbG9jYWw=' }, 'missing_api_key'],
    ])("%s: 401 in OpenAI's shape, on every /v1 route", async (_name, headers, code) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/audio/speech',
        payload: body,
        headers,
      });
      expectOpenAiError(res, 401, { code });
      const models = await t.app.inject({ method: 'GET', url: '/v1/models', headers });
      expectOpenAiError(models, 401, { code });
    });

    it('the right key: 200; the rest of the API needs none', async () => {
      const headers = { authorization: 'Bearer sk-local-secret' };
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/audio/speech',
        payload: body,
        headers,
      });
      expect(res.statusCode).toBe(200);
      expect(
        (await t.app.inject({ method: 'GET', url: '/v1/audio/voices', headers })).statusCode,
      ).toBe(200);
      expect((await t.http.get('/api/settings/voices/')).statusCode).toBe(200);
    });
  });

  describe('the generation rate limit is shared', () => {
    const t = useTestApp({ env: { RATE_LIMIT_GENERATION_PER_MINUTE: '2' } });

    it("speech requests and generation requests spend one budget; the 429 is in OpenAI's shape on /v1", async () => {
      const body = { model: 'tts-1', input: 'Hello.', voice: 'af_bella', response_format: 'pcm' };
      const first = await t.app.inject({ method: 'POST', url: '/v1/audio/speech', payload: body });
      expect(first.statusCode).toBe(200);
      const project = await t.http.importProject(['One sentence.'], 'Budget');
      const generate = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
      expect(generate.statusCode).toBe(202);
      const third = await t.app.inject({ method: 'POST', url: '/v1/audio/speech', payload: body });
      expectOpenAiError(third, 429, { type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      const fourth = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
      expect(fourth.statusCode).toBe(429);
      expect(typeof (fourth.json() as { error: unknown }).error).toBe('string');
      // Voices and models are not generation: not limited.
      expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(200);
    });
  });

  describe('saturation', () => {
    const engine = new GatedEngine();
    const t = useTestApp({
      env: { SPEECH_MAX_STREAMS: '1' },
      overrides: [{ provide: TtsEngine, useValue: engine }],
    });

    it('503 + Retry-After while SPEECH_MAX_STREAMS answers stream; served again afterwards', async () => {
      const body = {
        model: 'tts-1',
        input: 'Hello there, keeper.',
        voice: 'af_bella',
        response_format: 'wav',
      };
      const held = t.app.inject({ method: 'POST', url: '/v1/audio/speech', payload: body });
      // Wait (by events) until the first request holds the stream.
      const speechService = t.app.get(OpenAiSpeechService);
      while (speechService.activeStreams < 1 || engine.started < 1) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const refused = await t.app.inject({
        method: 'POST',
        url: '/v1/audio/speech',
        payload: body,
      });
      expectOpenAiError(refused, 503, { type: 'server_error', code: 'engine_saturated' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      engine.release();
      expect((await held).statusCode).toBe(200);
      expect(speechService.activeStreams).toBe(0);
      const again = await t.app.inject({ method: 'POST', url: '/v1/audio/speech', payload: body });
      expect(again.statusCode).toBe(200);
    });
  });
});
