import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseSync, NodeCue } from 'subtitle';
// @ts-expect-error -- webvtt-parser ships no type declarations
import { WebVTTParser } from 'webvtt-parser';
import { encodeWav, parseWavHeader } from '../src/audio/engine/wav';
import { AudioStorage } from '../src/audio/storage/audio.storage';
import { serializeSegmentWords } from '../src/common/speech/word-boundary';
import { MediaLayout } from '../src/media/media-layout';
import * as narrationMp3 from '../src/narration/narration-mp3';
import * as narrationStreams from '../src/narration/narration-stream';
import { api, ProjectDetailJson, UNKNOWN_ID } from './support/story-api';
import { taskFinished } from './support/tasks';
import { startTestApp, TestApp } from './support/test-app';

const STORY = [
  'The lighthouse keeper woke before the sun. He climbed the stairs with a lamp.',
  'Far out at sea, a small boat was lost in the fog.',
  'He lit the great lamp, and its beam swept over the waves. Was anyone out there?',
  'The boat turned toward the light and found the harbour.',
  'In the morning, the sailors brought him bread and thanks.',
];

/** Default `inter_segment_silence` of the contract, in samples at eSpeak's 22,050 Hz. */
const DEFAULT_GAP_SECONDS = 0.3;

describe('whole-story narration export (e2e, real engine)', () => {
  let t: TestApp;
  let http: ReturnType<typeof api>;
  let project: ProjectDetailJson;
  /** PCM payload of each segment's WAV, in story order. */
  let pcm: Buffer[];
  let sampleRate: number;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'real' });
    http = api(t.app);
    project = await http.importProject(STORY, 'The lighthouse');
    const res = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
    expect(res.statusCode).toBe(202);
    const done = await taskFinished(t.app, res.json().task_id);
    expect(done.status).toBe('COMPLETED');
    const media = t.app.get(MediaLayout);
    pcm = project.segments.map((segment) => {
      const file = readFileSync(media.audioPath(project.id, segment.id));
      const wav = parseWavHeader(file);
      sampleRate = wav.sampleRate;
      return file.subarray(wav.dataOffset, wav.dataOffset + wav.dataBytes);
    });
  }, 120_000);
  afterAll(() => t.close());

  const url = (ext: string, query = '') => `/api/projects/${project.id}/narration.${ext}${query}`;

  /** Sample offset of each segment in a narration with `gap` samples between segments. */
  const offsets = (gap: number) => {
    const starts: number[] = [];
    let cursor = 0;
    for (const part of pcm) {
      starts.push(cursor);
      cursor += part.length / 2 + gap;
    }
    return { starts, total: cursor - gap };
  };

  it('is the segments in order with the default pause between them, to the sample', async () => {
    const res = await http.get(url('wav'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    const wav = parseWavHeader(res.rawPayload);
    expect(wav).toMatchObject({ sampleRate, channels: 1, bitsPerSample: 16, dataOffset: 44 });

    const gap = Math.round(DEFAULT_GAP_SECONDS * sampleRate);
    const { starts, total } = offsets(gap);
    expect(wav.dataBytes / 2).toBe(total);
    const data = res.rawPayload.subarray(44);
    pcm.forEach((part, i) => {
      const at = starts[i] * 2;
      expect(data.subarray(at, at + part.length).equals(part)).toBe(true);
      if (i > 0) {
        const silence = data.subarray(at - gap * 2, at);
        expect(silence.length).toBe(gap * 2);
        expect(silence.every((byte) => byte === 0)).toBe(true);
      }
    });
  });

  it('takes the pause from ?gap_ms=', async () => {
    for (const gapMs of [0, 1250]) {
      const res = await http.get(url('wav', `?gap_ms=${gapMs}`));
      expect(res.statusCode).toBe(200);
      const gap = Math.round((gapMs / 1000) * sampleRate);
      expect(parseWavHeader(res.rawPayload).dataBytes / 2).toBe(offsets(gap).total);
    }
  });

  it('takes the default pause from the inter_segment_silence setting; ?gap_ms= overrides it', async () => {
    const changed = await http.patch('/api/settings/', { inter_segment_silence: 1.5 });
    expect(changed.statusCode).toBe(200);
    try {
      const wav = await http.get(url('wav'));
      expect(wav.statusCode).toBe(200);
      const gap = Math.round(1.5 * sampleRate);
      expect(parseWavHeader(wav.rawPayload).dataBytes / 2).toBe(offsets(gap).total);
      const { starts } = offsets(gap);
      const srt = parseSync((await http.get(url('srt'))).body).filter(
        (node): node is NodeCue => node.type === 'cue',
      );
      expect(srt.map((cue) => cue.data.start)).toEqual(
        starts.map((start) => Math.round((start * 1000) / sampleRate)),
      );
      const overridden = await http.get(url('wav', '?gap_ms=200'));
      const small = Math.round(0.2 * sampleRate);
      expect(parseWavHeader(overridden.rawPayload).dataBytes / 2).toBe(offsets(small).total);
    } finally {
      await http.patch('/api/settings/', { inter_segment_silence: DEFAULT_GAP_SECONDS });
    }
  });

  it('SRT and VTT have one cue per segment at the WAV offsets (parsed by npm parsers)', async () => {
    const gap = Math.round(0.5 * sampleRate);
    const { starts } = offsets(gap);
    const ms = (samples: number) => Math.round((samples * 1000) / sampleRate);
    const expected = pcm.map((part, i) => ({
      start: ms(starts[i]),
      end: ms(starts[i] + part.length / 2),
      text: STORY[i],
    }));

    const srt = await http.get(url('srt', '?gap_ms=500'));
    expect(srt.statusCode).toBe(200);
    expect(srt.headers['content-type']).toBe('application/x-subrip; charset=utf-8');
    const srtCues = parseSync(srt.body)
      .filter((node): node is NodeCue => node.type === 'cue')
      .map(({ data }) => ({ start: data.start, end: data.end, text: data.text }));
    expect(srtCues).toEqual(expected);

    const vtt = await http.get(url('vtt', '?gap_ms=500'));
    expect(vtt.statusCode).toBe(200);
    expect(vtt.headers['content-type']).toBe('text/vtt; charset=utf-8');
    const tree = new WebVTTParser().parse(vtt.body, 'metadata');
    expect(tree.errors).toEqual([]);
    expect(
      tree.cues.map((cue: { startTime: number; endTime: number; text: string }) => ({
        start: Math.round(cue.startTime * 1000),
        end: Math.round(cue.endTime * 1000),
        text: cue.text,
      })),
    ).toEqual(expected);
  });

  it("?by=sentence times one cue per sentence from eSpeak's word boundaries", async () => {
    const storage = t.app.get(AudioStorage);
    const recorded = await Promise.all(
      project.segments.map((segment) => storage.readWords(project.id, segment.id)),
    );
    // Recorded in the audio (a chunk of the WAV), for the text and the samples it belongs to.
    recorded.forEach((words, i) => {
      expect(words).toMatchObject({ text: STORY[i], sampleRate, sampleCount: pcm[i].length / 2 });
      expect(words!.words.length).toBeGreaterThan(3);
    });
    const gap = Math.round(0.5 * sampleRate);
    const { starts } = offsets(gap);
    const ms = (samples: number) => Math.round((samples * 1000) / sampleRate);

    const srt = await http.get(url('srt', '?gap_ms=500&by=sentence'));
    expect(srt.statusCode).toBe(200);
    const cues = parseSync(srt.body).filter((node): node is NodeCue => node.type === 'cue');
    expect(cues.map((cue) => cue.data.text)).toEqual([
      'The lighthouse keeper woke before the sun.',
      'He climbed the stairs with a lamp.',
      'Far out at sea, a small boat was lost in the fog.',
      'He lit the great lamp, and its beam swept over the waves.',
      'Was anyone out there?',
      'The boat turned toward the light and found the harbour.',
      'In the morning, the sailors brought him bread and thanks.',
    ]);
    // Each cue starts at its sentence's first word as eSpeak placed it in the narration.
    const sentenceStarts = recorded.flatMap((words, i) =>
      words!.words.filter((w, j) => j === 0 || w.sentenceStart).map((w) => starts[i] + w.sample),
    );
    expect(cues.map((cue) => cue.data.start)).toEqual(sentenceStarts.map(ms));
    // The second sentence of segment 1 really starts after the pause eSpeak makes between
    // sentences: the 100 ms before it are near silence, the 300 ms after it are speech.
    const second = recorded[0]!.words.find((w, j) => j > 0 && w.sentenceStart)!;
    const samples = new Int16Array(
      pcm[0].buffer.slice(pcm[0].byteOffset, pcm[0].byteOffset + pcm[0].length),
    );
    const rms = (from: number, to: number) => {
      let sum = 0;
      for (let k = from; k < to; k++) sum += samples[k] * samples[k];
      return Math.sqrt(sum / (to - from));
    };
    const tenth = Math.round(sampleRate / 10);
    expect(rms(second.sample - tenth, second.sample)).toBeLessThan(
      rms(second.sample, second.sample + 3 * tenth) / 10,
    );

    const vtt = await http.get(url('vtt', '?gap_ms=500&by=sentence'));
    const tree = new WebVTTParser().parse(vtt.body, 'metadata');
    expect(tree.errors).toEqual([]);
    expect(tree.cues.map((cue: { startTime: number }) => Math.round(cue.startTime * 1000))).toEqual(
      sentenceStarts.map(ms),
    );
  });

  it('?by=sentence keeps one cue for a segment without recorded boundaries', async () => {
    const media = t.app.get(MediaLayout);
    const wavPath = media.audioPath(project.id, project.segments[0].id);
    const sidePath = media.audioWordsPath(project.id, project.segments[0].id);
    const saved = readFileSync(wavPath);
    const recorded = await t.app.get(AudioStorage).readWords(project.id, project.segments[0].id);
    try {
      // The same WAV without its chunk of word boundaries (as an engine without word events
      // writes it, or an older version, which kept them in a side file).
      const wav = parseWavHeader(saved);
      const bare = Buffer.from(saved.subarray(0, wav.dataOffset + wav.dataBytes));
      bare.writeUInt32LE(bare.length - 8, 4);
      writeFileSync(wavPath, bare);
      const srt = await http.get(url('srt', '?by=sentence'));
      const texts = parseSync(srt.body)
        .filter((node): node is NodeCue => node.type === 'cue')
        .map((cue) => cue.data.text);
      expect(texts.slice(0, 3)).toEqual([
        STORY[0],
        STORY[1],
        'He lit the great lamp, and its beam swept over the waves.',
      ]);
      // An older version's side file is still read for a WAV without the chunk...
      writeFileSync(sidePath, serializeSegmentWords(recorded!));
      const legacy = await http.get(url('srt', '?by=sentence'));
      expect(parseSync(legacy.body).filter((node) => node.type === 'cue')[0].data).toMatchObject({
        text: 'The lighthouse keeper woke before the sun.',
      });
      // ...but boundaries of another synthesis (a text edited since) are not used.
      writeFileSync(
        sidePath,
        serializeSegmentWords({ ...recorded!, text: 'Another text. Entirely.' }),
      );
      const again = await http.get(url('srt', '?by=sentence'));
      expect(parseSync(again.body).filter((node) => node.type === 'cue')[0].data).toMatchObject({
        text: STORY[0],
      });
    } finally {
      writeFileSync(wavPath, saved);
      rmSync(sidePath, { force: true });
    }
  });

  it('Range reads of the middle match the same bytes of a full read', async () => {
    const full = (await http.get(url('wav'))).rawPayload;
    const size = full.length;
    const cases: [string, number, number][] = [
      ['bytes=0-43', 0, 43],
      [`bytes=1000-${Math.floor(size / 2)}`, 1000, Math.floor(size / 2)],
      // Across the boundary between segment 1, the pause and segment 2.
      [
        `bytes=${44 + pcm[0].length - 7}-${44 + pcm[0].length + 20_000}`,
        44 + pcm[0].length - 7,
        44 + pcm[0].length + 20_000,
      ],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await http.get(url('wav'), { range });
      expect(res.statusCode).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
      expect(Number(res.headers['content-length'])).toBe(end - start + 1);
      expect(res.rawPayload.equals(full.subarray(start, end + 1))).toBe(true);
    }
    const beyond = await http.get(url('wav'), { range: `bytes=${size}-${size + 10}` });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
    expect(beyond.json()).toEqual({ error: 'Requested range not satisfiable' });
  });

  it('narration.mp3 is the same narration as an MPEG Layer III stream, frame after frame', async () => {
    const res = await http.get(url('mp3', '?gap_ms=500'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/mpeg');
    expect(res.headers['content-length']).toBeUndefined();
    const mp3 = res.rawPayload;
    // Walk the frames: every byte belongs to a frame whose header says MPEG-2 Layer III,
    // 64 kbit/s, the WAV's rate, mono (the first is LAME's silent info frame).
    const rates: Record<number, number> = { 22050: 0, 24000: 1, 16000: 2 };
    let frames = 0;
    for (let at = 0; at < mp3.length; frames++) {
      const header = mp3.readUInt32BE(at);
      expect(header >>> 21).toBe(0x7ff); // frame sync
      expect((header >>> 19) & 3).toBe(2); // MPEG-2
      expect((header >>> 17) & 3).toBe(1); // Layer III
      expect((header >>> 12) & 15).toBe(8); // 64 kbit/s in MPEG-2's table
      expect((header >>> 10) & 3).toBe(rates[sampleRate]);
      expect((header >>> 6) & 3).toBe(3); // mono
      const padding = (header >>> 9) & 1;
      at += Math.floor((72 * 64_000) / sampleRate) + padding;
      if (at > mp3.length) throw new Error('truncated frame');
    }
    // 576 samples a frame: the WAV's duration, give or take the encoder's delay and padding.
    const wavSamples = offsets(Math.round(0.5 * sampleRate)).total;
    expect(Math.abs((frames - 1) * 576 - wavSamples)).toBeLessThan(3 * 576);
    // And it is compressed: about a fifth of the WAV.
    expect(mp3.length).toBeLessThan((44 + wavSamples * 2) / 4);
  });

  it('missing audio is a 409 naming the segments, unless skip_missing=true', async () => {
    const other = await http.importProject(['Spoken.', 'Not yet spoken.', 'Also silent.'], 'Half');
    const one = await http.post(`/api/segments/${other.segments[0].id}/generate-audio/`);
    await taskFinished(t.app, one.json().task_id);
    const missing = [other.segments[1].id, other.segments[2].id];
    for (const ext of ['wav', 'mp3', 'srt', 'vtt']) {
      const res = await http.get(`/api/projects/${other.id}/narration.${ext}`);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({
        error: '2 segment(s) have no audio: generate it first, or pass skip_missing=true',
        details: { missing_segment_ids: missing },
      });
    }
    const skipped = await http.get(`/api/projects/${other.id}/narration.wav?skip_missing=true`);
    expect(skipped.statusCode).toBe(200);
    // The segment's own WAV, without the chunk of word boundaries that follows its samples.
    const file = readFileSync(t.app.get(MediaLayout).audioPath(other.id, other.segments[0].id));
    const wav = parseWavHeader(file);
    const bare = Buffer.from(file.subarray(0, wav.dataOffset + wav.dataBytes));
    bare.writeUInt32LE(bare.length - 8, 4);
    expect(skipped.rawPayload.equals(bare)).toBe(true);
    const srt = await http.get(`/api/projects/${other.id}/narration.srt?skip_missing=true`);
    expect(parseSync(srt.body)).toHaveLength(1);
  });

  it('refuses audio of mixed sample rates with a clear message', async () => {
    const other = await http.importProject(['First voice.', 'Second voice.'], 'Mixed');
    const res = await http.post(`/api/projects/${other.id}/generate-all-audio/`, {});
    await taskFinished(t.app, res.json().task_id);
    // As if the second segment had been regenerated by a 24 kHz engine (Kokoro).
    const path = t.app.get(MediaLayout).audioPath(other.id, other.segments[1].id);
    writeFileSync(path, encodeWav(new Int16Array(2400), 24_000));
    const mixed = await http.get(`/api/projects/${other.id}/narration.wav`);
    expect(mixed.statusCode).toBe(409);
    expect(mixed.json().error).toMatch(/different sample rates \(22050 Hz, 24000 Hz\)/);
    expect(mixed.json().details).toEqual({
      sample_rates: { 22050: [other.segments[0].id], 24000: [other.segments[1].id] },
    });
  });

  it('answers JSON errors for an unknown project and a bad query', async () => {
    const unknown = await http.get(`/api/projects/${UNKNOWN_ID}/narration.wav`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'Project not found' });
    const bad = await http.get(url('wav', '?gap_ms=abc'));
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().details)).toEqual(['gap_ms']);
    const far = await http.get(url('srt', '?gap_ms=6000&by=word'));
    expect(far.statusCode).toBe(400);
    expect(Object.keys(far.json().details).sort()).toEqual(['by', 'gap_ms']);
  });

  it('is documented in the OpenAPI document, with its media types and queries', async () => {
    const doc = (await http.get('/api/docs-json')).json();
    const operation = (ext: string) => doc.paths[`/api/projects/{id}/narration.${ext}`].get;
    const types: Record<string, string> = {
      wav: 'audio/wav',
      mp3: 'audio/mpeg',
      srt: 'application/x-subrip',
      vtt: 'text/vtt',
    };
    for (const [ext, type] of Object.entries(types)) {
      const op = operation(ext);
      expect(Object.keys(op.responses['200'].content)).toEqual([type]);
      expect(Object.keys(op.responses).sort()).toEqual(
        expect.arrayContaining(['200', '400', '404', '409']),
      );
      const queries = op.parameters.filter((p: { in: string }) => p.in === 'query');
      expect(queries.map((p: { name: string }) => p.name).sort()).toEqual(
        ext === 'srt' || ext === 'vtt'
          ? ['by', 'gap_ms', 'skip_missing']
          : ['gap_ms', 'skip_missing'],
      );
    }
    expect(Object.keys(operation('wav').responses)).toEqual(expect.arrayContaining(['206', '416']));
  });

  it('works with a trailing slash and HEAD', async () => {
    const slash = await http.get(`${url('vtt')}/`);
    expect(slash.statusCode).toBe(200);
    const head = await t.app.inject({ method: 'HEAD', url: url('wav') });
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(
      44 + offsets(Math.round(0.3 * sampleRate)).total * 2,
    );
  });

  it('answers HEAD with the headers of a GET, without reading the audio or encoding the MP3', async () => {
    const streams = jest.spyOn(narrationStreams, 'narrationStream');
    const encoders = jest.spyOn(narrationMp3, 'mp3EncoderStream');
    try {
      const get = await http.get(url('wav'));
      const head = await t.app.inject({ method: 'HEAD', url: url('wav') });
      const range = await t.app.inject({
        method: 'HEAD',
        url: url('wav'),
        headers: { range: 'bytes=100-199' },
      });
      const mp3 = await t.app.inject({ method: 'HEAD', url: url('mp3') });
      expect(head.statusCode).toBe(200);
      expect(head.rawPayload.length).toBe(0);
      for (const name of [
        'content-length',
        'content-type',
        'accept-ranges',
        'content-disposition',
      ]) {
        expect(head.headers[name]).toBe(get.headers[name]);
      }
      expect(range.statusCode).toBe(206);
      expect(range.headers['content-range']).toBe(`bytes 100-199/${get.rawPayload.length}`);
      expect(range.headers['content-length']).toBe('100');
      expect(mp3.statusCode).toBe(200);
      expect(mp3.headers['content-type']).toBe('audio/mpeg');
      expect(mp3.rawPayload.length).toBe(0);
      // Only the GET built a narration stream; no HEAD started an encoder.
      expect(streams).toHaveBeenCalledTimes(1);
      expect(encoders).not.toHaveBeenCalled();
    } finally {
      streams.mockRestore();
      encoders.mockRestore();
    }
  });
});
