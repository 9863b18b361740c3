import { SettingsService } from '../src/settings/settings.service';
import { startTestApp, useTestApp } from './support/test-app';
import { api } from './support/story-api';

const VOICE_IDS = [
  'af_bella',
  'af_sarah',
  'af_nicole',
  'am_adam',
  'am_michael',
  'bf_emma',
  'bm_george',
];

describe('Settings (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  it('GET: the defaults, with and without slash', async () => {
    for (const url of ['/api/settings/', '/api/settings']) {
      const res = await http.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ default_voice_id: 'af_bella', tts_speed: 1.0 });
    }
  });

  it('GET /voices/: the seven StoryFlow voices', async () => {
    for (const url of ['/api/settings/voices/', '/api/settings/voices']) {
      const res = await http.get(url);
      expect(res.statusCode).toBe(200);
      const voices = res.json();
      expect(voices.map((v: { id: string }) => v.id).sort()).toEqual([...VOICE_IDS].sort());
      for (const voice of voices) {
        expect(voice).toEqual({
          id: expect.any(String),
          name: expect.any(String),
          gender: expect.stringMatching(/^(female|male)$/),
          accent: expect.stringMatching(/^(American|British)$/),
        });
      }
      expect(voices.find((v: { id: string }) => v.id === 'bm_george')).toEqual({
        id: 'bm_george',
        name: 'George',
        gender: 'male',
        accent: 'British',
      });
    }
  });

  it('PATCH: changes one field or both, and the change is read back', async () => {
    let res = await http.patch('/api/settings/', { default_voice_id: 'bf_emma' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ default_voice_id: 'bf_emma', tts_speed: 1.0 });
    res = await http.patch('/api/settings', { tts_speed: 1.25 });
    expect(res.json()).toEqual({ default_voice_id: 'bf_emma', tts_speed: 1.25 });
    res = await http.patch('/api/settings/', { default_voice_id: 'am_adam', tts_speed: 0.5 });
    expect(res.json()).toEqual({ default_voice_id: 'am_adam', tts_speed: 0.5 });
    expect((await http.patch('/api/settings/', { tts_speed: 2 })).json().tts_speed).toBe(2);
    expect((await http.get('/api/settings/')).json()).toEqual({
      default_voice_id: 'am_adam',
      tts_speed: 2,
    });
    expect(await t.app.get(SettingsService).get()).toEqual({
      defaultVoiceId: 'am_adam',
      ttsSpeed: 2,
    });
    expect((await http.patch('/api/settings/', {})).json()).toEqual({
      default_voice_id: 'am_adam',
      tts_speed: 2,
    });
  });

  it.each([
    [{ default_voice_id: 'nope' }, { default_voice_id: ['"nope" is not a valid choice.'] }],
    [{ default_voice_id: 'AF_BELLA' }, { default_voice_id: ['"AF_BELLA" is not a valid choice.'] }],
    [{ default_voice_id: null }, { default_voice_id: ['This field may not be null.'] }],
    [{ tts_speed: 0.49 }, { tts_speed: ['Ensure this value is greater than or equal to 0.5.'] }],
    [{ tts_speed: 2.01 }, { tts_speed: ['Ensure this value is less than or equal to 2.'] }],
    [{ tts_speed: 'fast' }, { tts_speed: ['A valid number is required.'] }],
    [{ tts_speed: null }, { tts_speed: ['This field may not be null.'] }],
    [
      { default_voice_id: 'af_sarah', tts_speed: 3 },
      { tts_speed: ['Ensure this value is less than or equal to 2.'] },
    ],
    [
      { default_voice_id: 'x', tts_speed: 0 },
      {
        default_voice_id: ['"x" is not a valid choice.'],
        tts_speed: ['Ensure this value is greater than or equal to 0.5.'],
      },
    ],
  ])('PATCH %j: 400 with details, nothing changed', async (body, details) => {
    const before = (await http.get('/api/settings/')).body;
    const res = await http.patch('/api/settings/', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Validation failed', details });
    expect((await http.get('/api/settings/')).body).toBe(before);
  });

  it('the service refuses an unknown voice too (for callers other than HTTP)', async () => {
    await expect(t.app.get(SettingsService).update({ defaultVoiceId: 'zz' })).rejects.toMatchObject(
      {
        kind: 'invalid',
        details: { default_voice_id: ['"zz" is not a valid choice.'] },
      },
    );
  });
});

describe('Settings persistence across a restart (e2e)', () => {
  it('keeps the settings in the database', async () => {
    const first = await startTestApp();
    await api(first.app).patch('/api/settings/', { default_voice_id: 'bm_george', tts_speed: 1.5 });
    await first.close({ keepData: true });
    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      expect((await api(second.app).get('/api/settings/')).json()).toEqual({
        default_voice_id: 'bm_george',
        tts_speed: 1.5,
      });
    } finally {
      await second.close();
    }
  });
});
