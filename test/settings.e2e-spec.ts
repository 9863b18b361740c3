import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsService } from '../src/settings/settings.service';
import { imageBytes, multipartBody, otfBytes } from './support/media-fixtures';
import { api, ISO_UTC, UNKNOWN_ID } from './support/story-api';
import { startTestApp, useTestApp } from './support/test-app';

const VOICE_IDS = [
  'af_bella',
  'af_sarah',
  'af_nicole',
  'am_adam',
  'am_michael',
  'bf_emma',
  'bm_george',
];

/** Every field of StoryFlow's settings object with its default (../shared/API.md). */
const DEFAULTS = {
  default_voice_id: 'af_bella',
  tts_speed: 1.0,
  inter_segment_silence: 0.3,
  subtitle_font_family: 'Arial',
  subtitle_font_size: 48,
  subtitle_font_color: '#FFFFFF',
  subtitle_position: 'bottom',
  subtitle_font: '',
  subtitle_color: '#FFFFFF',
  subtitles_enabled: true,
  render_width: 1920,
  render_height: 1080,
  render_fps: 30,
  ken_burns_zoom: 1.2,
  transition_duration: 0.5,
  zoom_intensity: 1.3,
  logo_enabled: false,
  active_logo: null,
  logo_scale: 0.15,
  logo_position: 'bottom-right',
  logo_opacity: 1.0,
  logo_margin: 20,
  custom_font_file: null,
};

const between = (min: number, max: number) => [
  `Ensure this value is greater than or equal to ${min}.`,
  `Ensure this value is less than or equal to ${max}.`,
];

/** Per field: values accepted (bounds included), and values refused with the message. */
const RULES: [field: string, accepted: unknown[], refused: [unknown, string][]][] = [
  [
    'default_voice_id',
    VOICE_IDS,
    [
      ['nope', '"nope" is not a valid choice.'],
      ['AF_BELLA', '"AF_BELLA" is not a valid choice.'],
      [null, 'This field may not be null.'],
    ],
  ],
  ['tts_speed', [0.5, 2, 1.25], numberRange(0.5, 2.0)],
  ['inter_segment_silence', [0, 5, 0.75], numberRange(0, 5)],
  [
    'subtitle_font_family',
    ['Georgia', 'x'.repeat(200)],
    [
      ['', 'This field may not be blank.'],
      ['   ', 'This field may not be blank.'],
      ['x'.repeat(201), 'Ensure this field has no more than 200 characters.'],
      [12, 'Not a valid string.'],
    ],
  ],
  [
    'subtitle_font_size',
    [12, 120, 64],
    [
      [11, between(12, 120)[0]],
      [121, between(12, 120)[1]],
      [48.5, 'A valid integer is required.'],
      ['48', 'A valid integer is required.'],
    ],
  ],
  ['subtitle_font_color', ['#000000', '#a1B2c3'], colourRefusals()],
  [
    'subtitle_position',
    ['bottom', 'center', 'top'],
    [
      ['middle', '"middle" is not a valid choice.'],
      ['TOP', '"TOP" is not a valid choice.'],
    ],
  ],
  [
    'subtitle_font',
    ['', 'DejaVuSans.ttf', 'x'.repeat(255)],
    [['x'.repeat(256), 'Ensure this field has no more than 255 characters.']],
  ],
  ['subtitle_color', ['#FFFF00'], colourRefusals()],
  ['subtitles_enabled', [false, true], [['yes', 'Must be a valid boolean.']]],
  [
    'render_fps',
    [24, 30, 60],
    [
      [25, '"25" is not a valid choice.'],
      [30.5, 'A valid integer is required.'],
    ],
  ],
  ['ken_burns_zoom', [1, 2, 1.5], numberRange(1, 2)],
  ['transition_duration', [0, 2, 1], numberRange(0, 2)],
  ['zoom_intensity', [1, 2, 1.7], numberRange(1, 2)],
  ['logo_enabled', [true, false], [[1, 'Must be a valid boolean.']]],
  ['logo_scale', [0.05, 0.5, 0.2], numberRange(0.05, 0.5)],
  [
    'logo_position',
    ['top-left', 'top-right', 'bottom-left', 'bottom-right'],
    [['center', '"center" is not a valid choice.']],
  ],
  ['logo_opacity', [0, 1, 0.5], numberRange(0, 1)],
  [
    'logo_margin',
    [0, 200, 35],
    [
      [-1, between(0, 200)[0]],
      [201, between(0, 200)[1]],
      [2.5, 'A valid integer is required.'],
    ],
  ],
  [
    'active_logo',
    [null],
    [
      ['not-a-uuid', 'Must be a valid UUID.'],
      [UNKNOWN_ID, `Invalid pk "${UNKNOWN_ID}" - object does not exist.`],
    ],
  ],
];

function numberRange(min: number, max: number): [unknown, string][] {
  return [
    [min - 0.01, between(min, max)[0]],
    [max + 0.01, between(min, max)[1]],
    ['1', 'A valid number is required.'],
    [null, 'This field may not be null.'],
  ];
}

function colourRefusals(): [unknown, string][] {
  const message = 'Enter a valid color in the format #RRGGBB.';
  return [
    ['white', message],
    ['#FFF', message],
    ['#GGGGGG', message],
    ['FFFFFF', message],
  ];
}

describe('Settings (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  const upload = async (url: string, field: string, bytes: Buffer, filename: string) => {
    const { payload, headers } = await multipartBody(field, bytes, filename);
    return t.app.inject({ method: 'POST', url, payload, headers });
  };

  it('GET: the whole object with every default, with and without slash', async () => {
    for (const url of ['/api/settings/', '/api/settings']) {
      const res = await http.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({
        ...DEFAULTS,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
    }
  });

  it("GET /voices/: the seven StoryFlow voices first, then the engine's own", async () => {
    for (const url of ['/api/settings/voices/', '/api/settings/voices']) {
      const res = await http.get(url);
      expect(res.statusCode).toBe(200);
      const voices = res.json();
      // The seven are always offered; the running engine (eSpeak here) lists its own after them.
      expect(voices.slice(0, 7).map((v: { id: string }) => v.id)).toEqual(VOICE_IDS);
      for (const voice of voices.slice(0, 7)) {
        expect(voice).toEqual({
          id: expect.any(String),
          name: expect.any(String),
          gender: expect.stringMatching(/^(female|male)$/),
          accent: expect.stringMatching(/^(American|British)$/),
        });
      }
      for (const voice of voices.slice(7)) {
        expect(voice).toEqual({
          id: expect.any(String),
          name: expect.any(String),
          gender: expect.stringMatching(/^(female|male|unknown)$/),
          accent: expect.any(String),
        });
      }
      expect(new Set(voices.map((v: { id: string }) => v.id)).size).toBe(voices.length);
    }
  });

  it("PATCH default_voice_id: any voice /voices/ offers, the engine's own included; nothing else", async () => {
    const offered = (await http.get('/api/settings/voices/')).json() as { id: string }[];
    const own = offered.slice(7);
    expect(own.length).toBeGreaterThan(0);
    for (const { id } of [own[0], own[own.length - 1], offered[6]]) {
      const res = await http.patch('/api/settings/', { default_voice_id: id });
      expect(res.statusCode).toBe(200);
      expect(res.json().default_voice_id).toBe(id);
    }
    const refused = await http.patch('/api/settings/', { default_voice_id: 'not-offered_voice' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().details).toEqual({
      default_voice_id: ['"not-offered_voice" is not a valid choice.'],
    });
    await http.patch('/api/settings/', { default_voice_id: 'af_bella' });
  });

  describe.each(RULES)('%s', (field, accepted, refused) => {
    it.each(accepted.map((value) => [value]))('PATCH %j: 200, the whole object', async (value) => {
      const before = (await http.get('/api/settings/')).json();
      const res = await http.patch('/api/settings/', { [field]: value });
      expect(res.statusCode).toBe(200);
      const expected =
        typeof value === 'string' && field !== 'subtitle_font' ? value.trim() : value;
      expect(res.json()).toEqual({
        ...before,
        [field]: expected,
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expect((await http.get('/api/settings/')).json()).toEqual(res.json());
    });

    it.each(refused)(
      'PATCH %j: 400 keyed by the field, nothing changed',
      async (value, message) => {
        const before = (await http.get('/api/settings/')).body;
        // With a valid change of another field: a refused PATCH changes nothing at all.
        const other = field === 'logo_margin' ? { subtitle_font_size: 77 } : { logo_margin: 77 };
        const res = await http.patch('/api/settings/', { [field]: value, ...other });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'Validation failed', details: { [field]: [message] } });
        expect((await http.get('/api/settings/')).body).toBe(before);
      },
    );
  });

  describe('render resolution: width and height together', () => {
    it.each([
      [1280, 720],
      [3840, 2160],
      [720, 1280],
      [1080, 1920],
      [720, 720],
      [1080, 1080],
      [864, 1080],
      [1080, 1350],
      [1440, 1080],
      [1080, 1440],
      [1920, 1080],
    ])('%ix%i is accepted', async (render_width, render_height) => {
      const res = await http.patch('/api/settings/', { render_width, render_height });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ render_width, render_height });
    });

    it('one side alone is checked against the other side stored', async () => {
      await http.patch('/api/settings/', { render_width: 1920, render_height: 1080 });
      const before = (await http.get('/api/settings/')).body;
      const res = await http.patch('/api/settings/', { render_width: 1280 });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual({
        render_resolution: [expect.stringMatching(/^1280x1080 is not a supported resolution/)],
      });
      expect((await http.get('/api/settings/')).body).toBe(before);
      expect((await http.patch('/api/settings/', { render_height: 1920 })).statusCode).toBe(400);
      // 1080 wide with the stored 1080 height is the square format.
      expect((await http.patch('/api/settings/', { render_width: 1080 })).json()).toMatchObject({
        render_width: 1080,
        render_height: 1080,
      });
    });

    it.each([
      [{ render_width: 1000, render_height: 1000 }],
      [{ render_width: 1080, render_height: 720 }],
    ])('%j: 400 keyed render_resolution, nothing changed', async (body) => {
      const before = (await http.get('/api/settings/')).body;
      const res = await http.patch('/api/settings/', body);
      expect(res.statusCode).toBe(400);
      expect(Object.keys(res.json().details)).toEqual(['render_resolution']);
      expect((await http.get('/api/settings/')).body).toBe(before);
    });

    it('a non-integer side is refused by its own field', async () => {
      const res = await http.patch('/api/settings/', { render_width: '1920' });
      expect(res.json().details).toEqual({ render_width: ['A valid integer is required.'] });
    });
  });

  it('several bad fields: every one in details; read-only and unknown fields are ignored', async () => {
    const bad = await http.patch('/api/settings/', {
      tts_speed: 9,
      subtitle_position: 'left',
      logo_opacity: -1,
    });
    expect(Object.keys(bad.json().details).sort()).toEqual([
      'logo_opacity',
      'subtitle_position',
      'tts_speed',
    ]);
    const before = (await http.get('/api/settings/')).json();
    const res = await http.patch('/api/settings/', {
      custom_font_file: '/etc/passwd',
      created_at: 'yesterday',
      nonsense: 1,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...before, updated_at: before.updated_at });
  });

  it('the service refuses an unknown voice too (for callers other than HTTP)', async () => {
    await expect(t.app.get(SettingsService).update({ defaultVoiceId: 'zz' })).rejects.toMatchObject(
      { kind: 'invalid', details: { default_voice_id: ['"zz" is not a valid choice.'] } },
    );
  });

  describe('logos', () => {
    it('upload (PNG, WebP, JPEG), list, make active, delete the active one', async () => {
      const uploaded = [];
      for (const [format, name] of [
        ['png', 'studio.png'],
        ['webp', 'C:\\logos\\round.webp'],
        ['jpeg', 'photo.jpeg'],
      ] as const) {
        const res = await upload('/api/settings/logos/', 'file', await imageBytes(format), name);
        expect(res.statusCode).toBe(201);
        uploaded.push(res.json());
      }
      expect(uploaded.map((logo) => logo.name)).toEqual(['studio', 'round', 'photo']);
      for (const logo of uploaded) {
        expect(logo).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          name: expect.any(String),
          file: expect.stringMatching(
            /^http:\/\/localhost:80\/media\/logos\/[0-9a-f-]{36}\.(png|webp|jpg)$/,
          ),
          uploaded_at: expect.stringMatching(ISO_UTC),
        });
        const served = await http.get(new URL(logo.file).pathname);
        expect(served.statusCode).toBe(200);
        expect(served.headers['content-type']).toMatch(/^image\/(png|webp|jpeg)$/);
      }
      expect((await http.get('/api/settings/logos/')).json()).toEqual(uploaded);

      const [active, other] = uploaded;
      const on = await http.patch('/api/settings/', { logo_enabled: true, active_logo: active.id });
      expect(on.json()).toMatchObject({ logo_enabled: true, active_logo: active.id });

      expect((await http.delete(`/api/settings/logos/${other.id}/`)).statusCode).toBe(204);
      expect((await http.get('/api/settings/')).json()).toMatchObject({
        logo_enabled: true,
        active_logo: active.id,
      });
      const file = join(t.dataDir, 'media', new URL(active.file).pathname.slice('/media/'.length));
      expect(existsSync(file)).toBe(true);
      expect((await http.delete(`/api/settings/logos/${active.id}`)).statusCode).toBe(204);
      expect((await http.get('/api/settings/')).json()).toMatchObject({
        logo_enabled: false,
        active_logo: null,
      });
      expect(existsSync(file)).toBe(false);
      expect((await http.get('/api/settings/logos/')).json()).toEqual([uploaded[2]]);
    });

    it('unknown logo: 404; a bad upload: 400 keyed by "file", nothing stored', async () => {
      for (const id of [UNKNOWN_ID, 'x']) {
        const res = await http.delete(`/api/settings/logos/${id}/`);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: 'Logo not found' });
      }
      const before = (await http.get('/api/settings/logos/')).body;
      const png = await imageBytes('png');
      for (const [field, bytes, name, message] of [
        [
          'file',
          Buffer.from('GIF89a not really'),
          'a.png',
          'Upload a valid image: PNG, WebP or JPEG.',
        ],
        [
          'file',
          png.subarray(0, png.length - 20),
          'cut.png',
          'Upload a valid image: PNG, WebP or JPEG.',
        ],
        ['file', otfBytes(), 'font.png', 'Upload a valid image: PNG, WebP or JPEG.'],
        ['logo', png, 'a.png', 'No file was submitted.'],
      ] as const) {
        const res = await upload('/api/settings/logos/', field, bytes, name);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'Invalid upload', details: { file: [message] } });
      }
      const json = await http.post('/api/settings/logos/', { file: 'x' });
      expect(json.statusCode).toBe(400);
      expect(json.json().details).toEqual({
        file: ['The submitted data was not a file. Check the encoding type on the form.'],
      });
      expect((await http.get('/api/settings/logos/')).body).toBe(before);
    });

    it('over 5 MB: 400, nothing stored', async () => {
      const big = Buffer.concat([await imageBytes('png'), Buffer.alloc(5 * 1024 * 1024)]);
      const res = await upload('/api/settings/logos/', 'file', big, 'big.png');
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual({ file: ['File too large: at most 5 MB.'] });
    });
  });

  describe('font upload', () => {
    it('sets custom_font_file and the family; a second one replaces the first file', async () => {
      const first = await upload('/api/settings/font/upload/', 'font', otfBytes(), 'My Font.otf');
      expect(first.statusCode).toBe(200);
      const settings = first.json();
      expect(settings).toMatchObject({
        subtitle_font_family: 'My Font',
        subtitle_font: 'My Font.otf',
        custom_font_file: expect.stringMatching(
          /^http:\/\/localhost:80\/media\/fonts\/[0-9a-f-]{36}\.otf$/,
        ),
      });
      expect(Object.keys(settings).sort()).toEqual(
        [...Object.keys(DEFAULTS), 'created_at', 'updated_at'].sort(),
      );
      const path = new URL(settings.custom_font_file).pathname;
      const served = await http.get(path);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe('font/otf');
      expect((await http.get('/api/settings/')).json()).toEqual(settings);

      const second = await upload('/api/settings/font/upload', 'font', otfBytes('B'), 'b.OTF');
      expect(second.json().subtitle_font_family).toBe('b');
      expect((await http.get(path)).statusCode).toBe(404);
      expect(existsSync(join(t.dataDir, 'media', path.slice('/media/'.length)))).toBe(false);
    });

    it('not a font, or not named .ttf/.otf: 400 keyed by "font", nothing changed', async () => {
      const before = (await http.get('/api/settings/')).body;
      for (const [bytes, name] of [
        [Buffer.from('OTTO but nothing else'), 'x.otf'],
        [Buffer.from([0, 1, 0, 0, 9, 9, 9]), 'x.ttf'],
        [await imageBytes('png'), 'x.ttf'],
        [otfBytes(), 'x.woff'],
      ] as const) {
        const res = await upload('/api/settings/font/upload/', 'font', bytes, name);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          error: 'Invalid upload',
          details: { font: ['Upload a valid font file: .ttf or .otf.'] },
        });
      }
      expect((await http.get('/api/settings/')).body).toBe(before);
    });
  });
});

describe('Settings persistence across a restart (e2e)', () => {
  it('keeps the settings in the database', async () => {
    const first = await startTestApp();
    const patch = { default_voice_id: 'bm_george', tts_speed: 1.5, subtitle_position: 'top' };
    const changed = (await api(first.app).patch('/api/settings/', patch)).json();
    await first.close({ keepData: true });
    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      expect((await api(second.app).get('/api/settings/')).json()).toEqual(changed);
    } finally {
      await second.close();
    }
  });
});
