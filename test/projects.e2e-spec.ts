import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaLayout } from '../src/media/media-layout';
import { startTestApp, useTestApp } from './support/test-app';
import { api, ISO_UTC, ProjectDetailJson, UNKNOWN_ID, UUID } from './support/story-api';

describe('Projects (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  describe('NUL characters (U+0000): refused on every database, as DRF refuses them', () => {
    it('a title, a segment text or a raw story with one is a 400 that stores nothing', async () => {
      const before = (await http.get('/api/projects/')).json().count;
      const title = await http.post('/api/projects/', { title: 'Bad\u0000title' });
      expect(title.statusCode).toBe(400);
      expect(title.json().details).toEqual({ title: ['Null characters are not allowed.'] });
      const raw = await http.post('/api/projects/import/', {
        format: 'text',
        title: 'Raw',
        raw_text: 'Text: one\u0000two',
      });
      expect(raw.statusCode).toBe(400);
      expect(raw.json().details).toEqual({ raw_text: ['Null characters are not allowed.'] });
      const project = await http.importProject(['A fine segment.']);
      const patch = await http.patch(`/api/segments/${project.segments[0].id}/`, {
        text_content: 'nul\u0000here',
      });
      expect(patch.statusCode).toBe(400);
      expect(patch.json().details).toEqual({ text_content: ['Null characters are not allowed.'] });
      const kept = (await http.get(`/api/segments/${project.segments[0].id}/`)).json();
      expect(kept.text_content).toBe('A fine segment.');
      expect((await http.get('/api/projects/')).json().count).toBe(before + 1);
    });
  });

  describe('POST /api/projects/', () => {
    it('creates an empty DRAFT project with the defaults, title trimmed', async () => {
      const res = await http.post('/api/projects/', { title: '  My story  ' });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(body).toEqual({
        id: expect.stringMatching(UUID),
        title: 'My story',
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: body.created_at,
        status: 'DRAFT',
        resolution_width: 1920,
        resolution_height: 1080,
        framerate: 30,
        segment_count: 0,
      });
      expect(Object.keys(body)).toEqual([
        'id',
        'title',
        'created_at',
        'updated_at',
        'status',
        'resolution_width',
        'resolution_height',
        'framerate',
        'segment_count',
      ]);
    });

    it('works without the trailing slash', async () => {
      const res = await http.post('/api/projects', { title: 'No slash' });
      expect(res.statusCode).toBe(201);
      expect(res.json().title).toBe('No slash');
    });

    it('accepts exactly 200 characters, counted as characters (unicode included)', async () => {
      const title = '語'.repeat(199) + '🐉';
      const res = await http.post('/api/projects/', { title });
      expect(res.statusCode).toBe(201);
      expect(res.json().title).toBe(title);
    });

    it.each([
      ['missing', {}, 'This field is required.'],
      ['null', { title: null }, 'This field may not be null.'],
      ['blank after trim', { title: '   ' }, 'This field may not be blank.'],
      ['not a string', { title: 42 }, 'Not a valid string.'],
      [
        '201 characters',
        { title: 'x'.repeat(201) },
        'Ensure this field has no more than 200 characters.',
      ],
    ])('title %s: 400 with details, nothing stored', async (_name, body, message) => {
      const before = await http.projectCount();
      const res = await http.post('/api/projects/', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Validation failed', details: { title: [message] } });
      expect(await http.projectCount()).toBe(before);
    });

    it('malformed JSON: 400 JSON', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/projects/',
        headers: { 'content-type': 'application/json' },
        payload: '{"title": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: expect.any(String) });
    });
  });

  describe('GET /api/projects/{id}/', () => {
    it('answers the ProjectDetail with its segments in order, with and without slash', async () => {
      const imported = await http.importProject(['one', 'two', 'three'], 'Detail');
      const res = await http.get(`/api/projects/${imported.id}/`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({
        id: imported.id,
        title: 'Detail',
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        status: 'DRAFT',
        resolution_width: 1920,
        resolution_height: 1080,
        framerate: 30,
        output_path: null,
        segments: ['one', 'two', 'three'].map((text, i) => ({
          id: expect.stringMatching(UUID),
          project: imported.id,
          sequence_index: i,
          text_content: text,
          image_prompt: `p${i}`,
          image_file: null,
          audio_file: null,
          audio_duration: null,
          is_locked: false,
        })),
      });
      expect(body).not.toHaveProperty('segment_count');
      expect((await http.get(`/api/projects/${imported.id}`)).body).toBe(res.body);
    });

    it('accepts the id in upper case', async () => {
      const { id } = await http.createProject('Upper');
      const res = await http.get(`/api/projects/${id.toUpperCase()}/`);
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe(id);
    });

    it.each([
      ['unknown uuid', UNKNOWN_ID],
      ['not a uuid', 'abc'],
      ['a number', '1'],
      ['very long', 'x'.repeat(2000)],
      ['encoded junk', '%00%27%22'],
      ['sql', encodeURIComponent("' OR 1=1 --")],
    ])('%s: 404 {"error":"Project not found"}', async (_name, id) => {
      const res = await http.get(`/api/projects/${id}/`);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toBe('{"error":"Project not found"}');
    });
  });

  describe('DELETE /api/projects/{id}/', () => {
    it('answers 204, removes the project, its segments and its media folder', async () => {
      const project = await http.importProject(['a', 'b']);
      const media = t.app.get(MediaLayout);
      const audio = media.audioPath(project.id, project.segments[0].id);
      mkdirSync(join(audio, '..'), { recursive: true });
      writeFileSync(audio, 'RIFF');

      const res = await http.delete(`/api/projects/${project.id}/`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await http.get(`/api/projects/${project.id}/`)).statusCode).toBe(404);
      for (const segment of project.segments) {
        expect((await http.get(`/api/segments/${segment.id}/`)).statusCode).toBe(404);
      }
      expect(existsSync(media.projectDir(project.id))).toBe(false);
    });

    it('works without a media folder and without the slash; a second delete is 404', async () => {
      const { id } = await http.createProject();
      expect((await http.delete(`/api/projects/${id}`)).statusCode).toBe(204);
      const again = await http.delete(`/api/projects/${id}/`);
      expect(again.statusCode).toBe(404);
      expect(again.json()).toEqual({ error: 'Project not found' });
      expect((await http.delete('/api/projects/not-a-uuid/')).statusCode).toBe(404);
    });
  });

  describe('POST /api/projects/import/', () => {
    it('imports JSON: 201 ProjectDetail, texts and prompts trimmed, prompt optional', async () => {
      const res = await http.post('/api/projects/import/', {
        format: 'json',
        title: ' JSON story ',
        segments: [
          { text_content: '  First.  ', image_prompt: ' castle ' },
          { text_content: 'Second.' },
        ],
      });
      expect(res.statusCode).toBe(201);
      const body: ProjectDetailJson = res.json();
      expect(body).toMatchObject({ title: 'JSON story', status: 'DRAFT', output_path: null });
      expect(body.segments.map((s) => [s.sequence_index, s.text_content, s.image_prompt])).toEqual([
        [0, 'First.', 'castle'],
        [1, 'Second.', ''],
      ]);
      expect((await http.get(`/api/projects/${body.id}/`)).json()).toEqual(body);
    });

    it('imports text by the parser rules (prefix case, joined lines, delimiters, other lines)', async () => {
      const raw_text = [
        '---',
        '# ignored heading',
        'Text: It was a dark night.',
        'TEXT:   The wind howled.  ',
        'prompt: a stormy sky',
        'Prompt: over the sea',
        '---',
        '',
        '-------',
        '   ',
        '----',
        'tExT: Dawn came.',
        'Narrator: ignored too',
        '---',
      ].join('\n');
      const res = await http.post('/api/projects/import', {
        format: 'text',
        title: 'Text',
        raw_text,
      });
      expect(res.statusCode).toBe(201);
      expect(
        res.json().segments.map((s: ProjectDetailJson['segments'][number]) => ({
          i: s.sequence_index,
          text: s.text_content,
          prompt: s.image_prompt,
        })),
      ).toEqual([
        {
          i: 0,
          text: 'It was a dark night. The wind howled.',
          prompt: 'a stormy sky over the sea',
        },
        { i: 1, text: 'Dawn came.', prompt: '' },
      ]);
    });

    it('keeps unicode text intact', async () => {
      const text = 'Ça commence — 物語の始まり 🐉 «guillemets» עברית';
      const res = await http.post('/api/projects/import/', {
        format: 'text',
        title: 'Ünïcödé 物語',
        raw_text: `Text: ${text}\nPrompt: château 城`,
      });
      expect(res.statusCode).toBe(201);
      const detail = (await http.get(`/api/projects/${res.json().id}/`)).json();
      expect(detail.title).toBe('Ünïcödé 物語');
      expect(detail.segments[0]).toMatchObject({ text_content: text, image_prompt: 'château 城' });
    });

    it('imports 500 segments in order', async () => {
      const texts = Array.from({ length: 500 }, (_, i) => `Segment number ${i}.`);
      const res = await http.post('/api/projects/import/', {
        format: 'text',
        title: 'Long',
        raw_text: texts.map((text) => `Text: ${text}\nPrompt: image ${text}`).join('\n---\n'),
      });
      expect(res.statusCode).toBe(201);
      const detail = (await http.get(`/api/projects/${res.json().id}/`)).json();
      expect(detail.segments).toHaveLength(500);
      expect(detail.segments.map((s: { sequence_index: number }) => s.sequence_index)).toEqual(
        texts.map((_, i) => i),
      );
      expect(detail.segments[499].text_content).toBe('Segment number 499.');
      const listed = (await http.get('/api/projects/')).json().results;
      expect(listed.find((p: { id: string }) => p.id === detail.id).segment_count).toBe(500);
    });

    it.each([
      [
        'unknown format',
        { format: 'xml', title: 'x', raw_text: 'Text: a' },
        { format: ['"xml" is not a valid choice.'] },
      ],
      [
        'missing format',
        { title: 'x', raw_text: 'Text: a' },
        { format: ['This field is required.'] },
      ],
      [
        'missing title',
        { format: 'json', segments: [{ text_content: 'a' }] },
        { title: ['This field is required.'] },
      ],
      [
        'blank title',
        { format: 'text', title: '  ', raw_text: 'Text: a' },
        { title: ['This field may not be blank.'] },
      ],
      [
        'no segments list',
        { format: 'json', title: 'x' },
        { segments: ['This field is required.'] },
      ],
      [
        'empty segments list',
        { format: 'json', title: 'x', segments: [] },
        { segments: ['This list may not be empty.'] },
      ],
      [
        'a segment without text',
        { format: 'json', title: 'x', segments: [{ text_content: 'ok' }, { image_prompt: 'p' }] },
        { 'segments.1.text_content': ['This field is required.'] },
      ],
      [
        'a segment with blank text',
        { format: 'json', title: 'x', segments: [{ text_content: '   ' }] },
        { 'segments.0.text_content': ['This field may not be blank.'] },
      ],
      ['no raw_text', { format: 'text', title: 'x' }, { raw_text: ['This field is required.'] }],
    ])('%s: 400 with details, nothing stored', async (_name, body, details) => {
      const before = await http.projectCount();
      const res = await http.post('/api/projects/import/', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Validation failed', details });
      expect(await http.projectCount()).toBe(before);
    });

    it.each([
      [
        'a block without Text:',
        'Text: fine\n---\nPrompt: only a prompt\n---\nText: also fine',
        ['Block 2 has no "Text:" line.'],
      ],
      ['only empty Text: lines', 'Text:\nText:  ', ['Block 1 has an empty "Text:" line.']],
      ['only delimiters', '---\n-----\n---', ['No segments found.']],
    ])(
      'text with %s: 400 "Text parsing failed", nothing stored',
      async (_n, raw_text, problems) => {
        const before = await http.projectCount();
        const res = await http.post('/api/projects/import/', {
          format: 'text',
          title: 'x',
          raw_text,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          error: 'Text parsing failed',
          details: { raw_text: problems },
        });
        expect(await http.projectCount()).toBe(before);
      },
    );
  });

  describe('POST /api/projects/{id}/import-segments/', () => {
    it("appends after the existing segments: 201 with all of the project's segments", async () => {
      const project = await http.importProject(['a', 'b']);
      const res = await http.post(`/api/projects/${project.id}/import-segments/`, {
        format: 'text',
        raw_text: 'Text: c\n---\nText: d\nPrompt: pd',
      });
      expect(res.statusCode).toBe(201);
      // StoryFlow's frontend replaces its list with this answer: the old ones come first.
      expect(res.json()).toEqual([
        project.segments[0],
        project.segments[1],
        expect.objectContaining({ project: project.id, sequence_index: 2, text_content: 'c' }),
        expect.objectContaining({ sequence_index: 3, text_content: 'd', image_prompt: 'pd' }),
      ]);
      const json = await http.post(`/api/projects/${project.id}/import-segments`, {
        format: 'json',
        segments: [{ text_content: 'e' }],
      });
      expect(json.statusCode).toBe(201);
      expect(json.json()).toHaveLength(5);
      expect(json.json()[4]).toEqual({
        id: expect.stringMatching(UUID),
        project: project.id,
        sequence_index: 4,
        text_content: 'e',
        image_prompt: '',
        image_file: null,
        audio_file: null,
        audio_duration: null,
        is_locked: false,
      });
      const detail = (await http.get(`/api/projects/${project.id}/`)).json();
      expect(detail.segments).toEqual(json.json());
      expect(detail.segments.map((s: { text_content: string }) => s.text_content)).toEqual([
        'a',
        'b',
        'c',
        'd',
        'e',
      ]);
    });

    it('into an empty project starts at 0', async () => {
      const { id } = await http.createProject();
      const res = await http.post(`/api/projects/${id}/import-segments/`, {
        format: 'json',
        segments: [{ text_content: 'x' }],
      });
      expect(res.json()[0].sequence_index).toBe(0);
    });

    it('unknown project: 404; a bad story: 400 and nothing appended', async () => {
      const missing = await http.post(`/api/projects/${UNKNOWN_ID}/import-segments/`, {
        format: 'text',
        raw_text: 'Text: a',
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: 'Project not found' });

      const project = await http.importProject(['a']);
      const bad = await http.post(`/api/projects/${project.id}/import-segments/`, {
        format: 'text',
        raw_text: 'Text: fine\n---\nno text here',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual({ raw_text: ['Block 2 has no "Text:" line.'] });
      const invalid = await http.post(`/api/projects/${project.id}/import-segments/`, {
        format: 'json',
        segments: [{ text_content: 'ok' }, { text_content: 7 }],
      });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().details).toEqual({
        'segments.1.text_content': ['Not a valid string.'],
      });
      const detail = (await http.get(`/api/projects/${project.id}/`)).json();
      expect(detail.segments).toHaveLength(1);
    });
  });
});

describe('GET /api/projects/ pagination (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  const ids: string[] = [];
  const host = { host: 'localhost:8000' };

  beforeAll(async () => {
    for (let i = 0; i < 51; i++) ids.push((await http.createProject(`P${i}`)).id);
    await http.post(`/api/projects/${ids[50]}/import-segments/`, {
      format: 'json',
      segments: [{ text_content: 'a' }, { text_content: 'b' }],
    });
  });

  it('page 1: 50 newest first, each with segment_count, absolute next link', async () => {
    const res = await http.get('/api/projects/', host);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.count).toBe(51);
    expect(body.next).toBe('http://localhost:8000/api/projects/?page=2');
    expect(body.previous).toBeNull();
    expect(body.results).toHaveLength(50);
    expect(body.results.map((p: { id: string }) => p.id)).toEqual([...ids].reverse().slice(0, 50));
    expect(body.results[0]).toMatchObject({ title: 'P50', segment_count: 2 });
    expect(body.results[1]).toMatchObject({ title: 'P49', segment_count: 0 });
  });

  it('page 2: the oldest, previous link without page, next null', async () => {
    const body = (await http.get('/api/projects/?page=2', host)).json();
    expect(body).toEqual({
      count: 51,
      next: null,
      previous: 'http://localhost:8000/api/projects/',
      results: [expect.objectContaining({ id: ids[0], title: 'P0' })],
    });
    expect((await http.get('/api/projects?page=last', host)).json().results[0].id).toBe(ids[0]);
  });

  it.each([['3'], ['0'], ['-1'], ['abc'], ['1.5'], ['99999999999999999999']])(
    'page=%s: 404 {"error":"Invalid page."}',
    async (page) => {
      const res = await http.get(`/api/projects/?page=${page}`);
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe('{"error":"Invalid page."}');
    },
  );

  it('page= (empty) is the first page', async () => {
    expect((await http.get('/api/projects/?page=')).json().results).toHaveLength(50);
  });
});

describe('Projects persistence across a restart (e2e)', () => {
  it('everything is still there after closing and booting on the same DATA_DIR', async () => {
    const first = await startTestApp();
    const http1 = api(first.app);
    const project = await http1.importProject(['kept 1', 'kept 2', 'kept 3']);
    const [a, b, c] = project.segments.map((s) => s.id);
    await http1.patch(`/api/segments/${b}/`, { is_locked: true, text_content: 'edited' });
    await http1.post('/api/segments/reorder/', {
      project_id: project.id,
      segment_order: [c, a, b],
    });
    const empty = await http1.createProject('Empty');
    const listBefore = (await http1.get('/api/projects/')).body;
    const detailBefore = (await http1.get(`/api/projects/${project.id}/`)).body;
    await first.close({ keepData: true });

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      const http2 = api(second.app);
      expect((await http2.get('/api/projects/')).body).toBe(listBefore);
      expect((await http2.get(`/api/projects/${project.id}/`)).body).toBe(detailBefore);
      const detail = JSON.parse(detailBefore);
      expect(detail.segments.map((s: { id: string }) => s.id)).toEqual([c, a, b]);
      expect(detail.segments[2]).toMatchObject({ text_content: 'edited', is_locked: true });
      expect((await http2.get(`/api/projects/${empty.id}/`)).statusCode).toBe(200);
      // SQLite mode: the file under DATA_DIR; PostgreSQL mode: the server, no file at all.
      expect(existsSync(join(first.dataDir, 'storyflow.db'))).toBe(first.database === 'sqlite');
    } finally {
      await second.close();
    }
  });
});
