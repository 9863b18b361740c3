import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MediaLayout } from '../src/media/media-layout';
import { SegmentsService } from '../src/projects/segments/segments.service';
import { useTestApp } from './support/test-app';
import { ProjectDetailJson, SegmentJson, UNKNOWN_ID, UUID } from './support/story-api';

describe('Segments (e2e)', () => {
  const t = useTestApp();
  const http = t.http;
  let segmentsService: SegmentsService;
  let media: MediaLayout;

  beforeAll(async () => {
    segmentsService = t.app.get(SegmentsService);
    media = t.app.get(MediaLayout);
  });

  /** Writes a WAV where the audio module would and records it, as after a synthesis. */
  async function giveAudio(segment: SegmentJson, duration = 2.5): Promise<string> {
    const path = media.audioPath(segment.project, segment.id);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from('RIFF....WAVE'));
    await segmentsService.setAudio(segment.id, duration);
    return path;
  }

  const order = async (projectId: string) =>
    (await http.get(`/api/segments/?project=${projectId}`))
      .json()
      .results.map((s: SegmentJson) => [s.id, s.sequence_index]);

  describe('GET /api/segments/', () => {
    it('without a project filter: an empty page', async () => {
      await http.importProject(['a']);
      for (const url of ['/api/segments/', '/api/segments', '/api/segments/?project=']) {
        const res = await http.get(url);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
      }
    });

    it("with ?project=: the project's segments by sequence_index", async () => {
      const project = await http.importProject(['one', 'two', 'three']);
      await http.importProject(['other project']);
      const res = await http.get(`/api/segments?project=${project.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        count: 3,
        next: null,
        previous: null,
        results: project.segments,
      });
    });

    it('unknown or malformed project: an empty page, never a 500', async () => {
      for (const id of [UNKNOWN_ID, 'abc', "'; DROP TABLE segments; --"]) {
        const res = await http.get(`/api/segments/?project=${encodeURIComponent(id)}`);
        expect(res.statusCode).toBe(200);
        expect(res.json().count).toBe(0);
      }
    });

    it('paginates by 50 with absolute links that keep the project filter', async () => {
      const project = await http.importProject(Array.from({ length: 120 }, (_, i) => `s${i}`));
      const base = 'http://localhost:8000/api/segments/';
      const host = { host: 'localhost:8000' };
      const p1 = (await http.get(`/api/segments/?project=${project.id}`, host)).json();
      expect(p1).toMatchObject({
        count: 120,
        next: `${base}?page=2&project=${project.id}`,
        previous: null,
      });
      expect(p1.results.map((s: SegmentJson) => s.sequence_index)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
      const p2 = (await http.get(`/api/segments/?project=${project.id}&page=2`, host)).json();
      expect(p2.previous).toBe(`${base}?project=${project.id}`);
      expect(p2.next).toBe(`${base}?page=3&project=${project.id}`);
      expect(p2.results[0].text_content).toBe('s50');
      const p3 = (await http.get(`/api/segments/?page=3&project=${project.id}`, host)).json();
      expect(p3.previous).toBe(`${base}?page=2&project=${project.id}`);
      expect(p3.next).toBeNull();
      expect(p3.results).toHaveLength(20);
      const past = await http.get(`/api/segments/?page=4&project=${project.id}`);
      expect(past.statusCode).toBe(404);
      expect(past.json()).toEqual({ error: 'Invalid page.' });
    });
  });

  describe('POST /api/segments/', () => {
    it('creates a segment at the end: 201 Segment with defaults', async () => {
      const project = await http.importProject(['a', 'b']);
      const res = await http.post('/api/segments/', { project: project.id });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        id: expect.stringMatching(UUID),
        project: project.id,
        sequence_index: 2,
        text_content: '',
        image_prompt: '',
        image_file: null,
        audio_file: null,
        audio_duration: null,
        is_locked: false,
      });
      const next = await http.post('/api/segments', {
        project: project.id,
        text_content: ' New text ',
        image_prompt: 'A prompt',
        is_locked: true,
        sequence_index: 99,
      });
      expect(next.statusCode).toBe(201);
      expect(next.json()).toMatchObject({
        sequence_index: 3,
        text_content: 'New text',
        image_prompt: 'A prompt',
        is_locked: false,
      });
    });

    it.each([
      ['without project', {}, { project: ['This field is required.'] }],
      ['with a malformed project', { project: 'abc' }, { project: ['Must be a valid UUID.'] }],
      [
        'with a non-string text',
        { project: UNKNOWN_ID, text_content: 5 },
        { text_content: ['Not a valid string.'] },
      ],
    ])('%s: 400 with details', async (_name, body, details) => {
      const res = await http.post('/api/segments/', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Validation failed', details });
    });

    it('for an unknown project: 404', async () => {
      const res = await http.post('/api/segments/', { project: UNKNOWN_ID, text_content: 'x' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Project not found' });
    });
  });

  describe('GET /api/segments/{id}/', () => {
    it('answers the Segment, with and without slash, id in any case', async () => {
      const [segment] = (await http.importProject(['x'])).segments;
      for (const url of [
        `/api/segments/${segment.id}/`,
        `/api/segments/${segment.id}`,
        `/api/segments/${segment.id.toUpperCase()}/`,
      ]) {
        const res = await http.get(url);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(segment);
      }
    });

    it.each([[UNKNOWN_ID], ['abc'], ['x'.repeat(500)], ['%00']])('%s: 404', async (id) => {
      const res = await http.get(`/api/segments/${id}/`);
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe('{"error":"Segment not found"}');
    });

    it('audio_file is the absolute URL of the WAV, built from the Host header', async () => {
      const [segment] = (await http.importProject(['with audio'])).segments;
      await giveAudio(segment, 3.25);
      const res = await http.get(`/api/segments/${segment.id}/`, { host: 'localhost:8000' });
      expect(res.json()).toMatchObject({
        audio_file: `http://localhost:8000/media/projects/${segment.project}/audio/${segment.id}.wav`,
        audio_duration: 3.25,
      });
      const other = await http.get(`/api/segments/${segment.id}/`, { host: '127.0.0.1:9000' });
      expect(other.json().audio_file).toBe(
        `http://127.0.0.1:9000/media/projects/${segment.project}/audio/${segment.id}.wav`,
      );
      const wav = await http.get(new URL(res.json().audio_file).pathname);
      expect(wav.statusCode).toBe(200);
      expect(wav.headers['content-type']).toBe('audio/wav');
    });

    it('a malformed Host header is not copied into URLs', async () => {
      const [segment] = (await http.importProject(['x'])).segments;
      await giveAudio(segment);
      const res = await http.get(`/api/segments/${segment.id}/`, { host: 'evil.com/<script>' });
      expect(res.json().audio_file).toBe(
        `http://localhost/media/projects/${segment.project}/audio/${segment.id}.wav`,
      );
    });
  });

  describe('PATCH /api/segments/{id}/', () => {
    let project: ProjectDetailJson;
    let segment: SegmentJson;
    beforeEach(async () => {
      project = await http.importProject(['original']);
      segment = project.segments[0];
    });
    const url = () => `/api/segments/${segment.id}/`;

    it('changes text and prompt: 200 Segment; read-only fields are ignored', async () => {
      const res = await http.patch(url(), {
        text_content: ' New text ',
        image_prompt: 'New prompt',
        sequence_index: 7,
        project: UNKNOWN_ID,
        audio_file: 'http://x/y.wav',
        id: UNKNOWN_ID,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        ...segment,
        text_content: 'New text',
        image_prompt: 'New prompt',
      });
      expect((await http.get(url())).json()).toEqual(res.json());
    });

    it('an empty patch changes nothing', async () => {
      const res = await http.patch(`/api/segments/${segment.id}`, {});
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(segment);
    });

    it('a locked segment refuses edits (400, unchanged) but can be unlocked', async () => {
      expect((await http.patch(url(), { is_locked: true })).json().is_locked).toBe(true);

      for (const body of [
        { text_content: 'changed' },
        { image_prompt: 'changed' },
        { is_locked: false, text_content: 'changed in the same request' },
      ]) {
        const res = await http.patch(url(), body);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'Cannot edit a locked segment. Unlock it first.' });
      }
      expect((await http.get(url())).json()).toEqual({ ...segment, is_locked: true });

      // Sending the unchanged values along with the unlock changes nothing else: accepted.
      const same = await http.patch(url(), { text_content: 'original', is_locked: true });
      expect(same.statusCode).toBe(200);
      const unlocked = await http.patch(url(), { is_locked: false, image_prompt: 'p0' });
      expect(unlocked.statusCode).toBe(200);
      expect(unlocked.json()).toEqual(segment);
      expect((await http.patch(url(), { text_content: 'now editable' })).statusCode).toBe(200);
    });

    it.each([
      [{ is_locked: 'yes' }, { is_locked: ['Must be a valid boolean.'] }],
      [{ text_content: null }, { text_content: ['This field may not be null.'] }],
      [{ image_prompt: ['a'] }, { image_prompt: ['Not a valid string.'] }],
      [
        { text_content: 1, is_locked: 0 },
        { text_content: ['Not a valid string.'], is_locked: ['Must be a valid boolean.'] },
      ],
    ])('%j: 400 with details, unchanged', async (body, details) => {
      const res = await http.patch(url(), body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Validation failed', details });
      expect((await http.get(url())).json()).toEqual(segment);
    });

    it('unknown segment: 404', async () => {
      const res = await http.patch(`/api/segments/${UNKNOWN_ID}/`, { text_content: 'x' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Segment not found' });
    });
  });

  describe('DELETE /api/segments/{id}/', () => {
    it('answers 204 and removes the segment and its audio file', async () => {
      const project = await http.importProject(['a', 'b']);
      const [first, second] = project.segments;
      const wav = await giveAudio(first);
      const res = await http.delete(`/api/segments/${first.id}/`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(existsSync(wav)).toBe(false);
      expect((await http.get(`/api/segments/${first.id}/`)).statusCode).toBe(404);
      expect(await order(project.id)).toEqual([[second.id, 1]]);
      expect((await http.delete(`/api/segments/${second.id}`)).statusCode).toBe(204);
      const again = await http.delete(`/api/segments/${second.id}/`);
      expect(again.statusCode).toBe(404);
      expect(again.json()).toEqual({ error: 'Segment not found' });
    });

    it('a new segment after a delete still goes to the end', async () => {
      const project = await http.importProject(['a', 'b', 'c']);
      await http.delete(`/api/segments/${project.segments[2].id}/`);
      await http.delete(`/api/segments/${project.segments[0].id}/`);
      const created = await http.post('/api/segments/', { project: project.id, text_content: 'd' });
      expect(created.json().sequence_index).toBe(2);
    });
  });

  describe('DELETE /api/segments/{id}/remove-audio/', () => {
    it('removes the audio: 200 {id, audio_file: null, audio_duration: null, message}', async () => {
      const [segment] = (await http.importProject(['a'])).segments;
      const wav = await giveAudio(segment);
      const res = await http.delete(`/api/segments/${segment.id}/remove-audio/`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: segment.id,
        audio_file: null,
        audio_duration: null,
        message: 'Audio removed successfully',
      });
      expect(existsSync(wav)).toBe(false);
      expect((await http.get(`/api/segments/${segment.id}/`)).json()).toEqual(segment);

      const again = await http.delete(`/api/segments/${segment.id}/remove-audio`);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({ error: 'Segment has no audio to remove' });
    });

    it('a locked segment keeps its audio: 400', async () => {
      const [segment] = (await http.importProject(['a'])).segments;
      const wav = await giveAudio(segment);
      await http.patch(`/api/segments/${segment.id}/`, { is_locked: true });
      const res = await http.delete(`/api/segments/${segment.id}/remove-audio/`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Cannot modify a locked segment.' });
      expect(existsSync(wav)).toBe(true);
      expect((await http.get(`/api/segments/${segment.id}/`)).json().audio_duration).toBe(2.5);
    });

    it('unknown segment: 404', async () => {
      const res = await http.delete(`/api/segments/${UNKNOWN_ID}/remove-audio/`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Segment not found' });
    });
  });

  describe('POST /api/segments/reorder/', () => {
    it('sets the order: 200 {message, segments}, positions 0..n-1', async () => {
      const project = await http.importProject(['a', 'b', 'c', 'd']);
      const [a, b, c, d] = project.segments.map((s) => s.id);
      const res = await http.post('/api/segments/reorder/', {
        project_id: project.id,
        segment_order: [d, b, a, c],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        message: 'Segments reordered successfully',
        segments: [
          { id: d, sequence_index: 0 },
          { id: b, sequence_index: 1 },
          { id: a, sequence_index: 2 },
          { id: c, sequence_index: 3 },
        ],
      });
      expect(await order(project.id)).toEqual([
        [d, 0],
        [b, 1],
        [a, 2],
        [c, 3],
      ]);
      const texts = (await http.get(`/api/projects/${project.id}/`))
        .json()
        .segments.map((s: SegmentJson) => s.text_content);
      expect(texts).toEqual(['d', 'b', 'a', 'c']);
    });

    it('reverses 200 segments (no clash on the unique position) without the slash', async () => {
      const project = await http.importProject(Array.from({ length: 200 }, (_, i) => `s${i}`));
      const reversed = project.segments.map((s) => s.id).reverse();
      const res = await http.post('/api/segments/reorder', {
        project_id: project.id,
        segment_order: reversed,
      });
      expect(res.statusCode).toBe(200);
      expect((await order(project.id)).slice(0, 2)).toEqual([
        [reversed[0], 0],
        [reversed[1], 1],
      ]);
      const created = await http.post('/api/segments/', { project: project.id });
      expect(created.json().sequence_index).toBe(200);
    });

    it('an empty project accepts an empty list', async () => {
      const { id } = await http.createProject();
      const res = await http.post('/api/segments/reorder/', { project_id: id, segment_order: [] });
      expect(res.statusCode).toBe(200);
      expect(res.json().segments).toEqual([]);
    });

    it('a list that is not exactly the project segments: 400, order unchanged', async () => {
      const project = await http.importProject(['a', 'b', 'c']);
      const foreign = (await http.importProject(['z'])).segments[0].id;
      const [a, b, c] = project.segments.map((s) => s.id);
      const before = await order(project.id);
      const cases: [string[], string[]][] = [
        [[a, b], [`Missing IDs: ${c}`]],
        [[a, b, c, foreign], [`Invalid IDs: ${foreign}`]],
        [[a, b, b, c], [`Duplicate IDs: ${b}`]],
        [
          [a, a, b],
          [`Missing IDs: ${c}`, `Duplicate IDs: ${a}`],
        ],
        [
          [a, b, 'not-a-uuid'],
          [`Missing IDs: ${c}`, 'Invalid IDs: not-a-uuid'],
        ],
        [[], [`Missing IDs: ${a}, ${b}, ${c}`]],
      ];
      for (const [segment_order, problems] of cases) {
        const res = await http.post('/api/segments/reorder/', {
          project_id: project.id,
          segment_order,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          error: 'Invalid segment IDs',
          details: { segment_order: problems },
        });
      }
      expect(await order(project.id)).toEqual(before);
    });

    it('accepts the ids in upper case', async () => {
      const project = await http.importProject(['a', 'b']);
      const [a, b] = project.segments.map((s) => s.id);
      const res = await http.post('/api/segments/reorder/', {
        project_id: project.id.toUpperCase(),
        segment_order: [b.toUpperCase(), a],
      });
      expect(res.statusCode).toBe(200);
      expect(await order(project.id)).toEqual([
        [b, 0],
        [a, 1],
      ]);
    });

    it('unknown project: 404', async () => {
      const res = await http.post('/api/segments/reorder/', {
        project_id: UNKNOWN_ID,
        segment_order: [],
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Project not found' });
    });

    it.each([
      [{}, { project_id: ['This field is required.'], segment_order: ['This field is required.'] }],
      [{ project_id: 'x', segment_order: [] }, { project_id: ['Must be a valid UUID.'] }],
      [
        { project_id: UNKNOWN_ID, segment_order: 'a,b' },
        { segment_order: ['Expected a list of items.'] },
      ],
      [
        { project_id: UNKNOWN_ID, segment_order: [1] },
        { segment_order: ['Every item must be a string.'] },
      ],
    ])('%j: 400 with details', async (body, details) => {
      const res = await http.post('/api/segments/reorder/', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Validation failed', details });
    });
  });

  describe('SegmentsService (what the audio module calls)', () => {
    it('findForGeneration: the segments in order; unknown project throws ProjectNotFoundError', async () => {
      const project = await http.importProject(['a', 'b']);
      const [a, b] = project.segments.map((s) => s.id);
      await http.post('/api/segments/reorder/', { project_id: project.id, segment_order: [b, a] });
      const segments = await segmentsService.findForGeneration(project.id);
      expect(segments.map((s) => [s.id, s.sequenceIndex, s.textContent])).toEqual([
        [b, 0, 'b'],
        [a, 1, 'a'],
      ]);
      expect(segments[0]).toEqual({
        id: b,
        projectId: project.id,
        sequenceIndex: 0,
        textContent: 'b',
        imagePrompt: 'p1',
        imageFile: null,
        audioFile: null,
        audioDuration: null,
        isLocked: false,
      });
      await expect(segmentsService.findForGeneration(UNKNOWN_ID)).rejects.toMatchObject({
        name: 'ProjectNotFoundError',
      });
    });

    it('setAudio / clearAudio', async () => {
      const [segment] = (await http.importProject(['a'])).segments;
      const updated = await segmentsService.setAudio(segment.id, 1.5);
      expect(updated).toMatchObject({
        audioFile: `projects/${segment.project}/audio/${segment.id}.wav`,
        audioDuration: 1.5,
      });
      const cleared = await segmentsService.clearAudio(segment.id);
      expect(cleared).toMatchObject({ audioFile: null, audioDuration: null });
      await expect(segmentsService.setAudio(UNKNOWN_ID, 1)).rejects.toMatchObject({
        name: 'SegmentNotFoundError',
      });
    });
  });
});
