import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { TtsEngine } from '../../src/audio/engine/tts.engine';
import { FairScheduler } from '../../src/audio/fair-scheduler';
import { OpenAiSpeechService } from '../../src/openai/openai-speech.service';
import { splitSentences } from '../../src/openai/sentences';
import { decodeAudioFile } from '../support/decode-audio';
import { taskFinished } from '../support/tasks';
import { useTestApp } from '../support/test-app';

/** eSpeak NG's output rate: what `pcm` and `wav` carry under the eSpeak engine (README). */
const ESPEAK_RATE = 22050;

/** ~3,000 characters of distinct sentences. */
function longInput(): string {
  const words = ['keeper', 'lamp', 'harbour', 'gull', 'tide', 'rope', 'lantern', 'storm'];
  const sentences: string[] = [];
  for (let i = 0; sentences.join(' ').length < 3000; i++) {
    sentences.push(
      `Sentence ${i + 1} tells how the ${words[i % 8]} met the ${words[(i + 3) % 8]} at dawn.`,
    );
  }
  return sentences.join(' ').slice(0, 3000);
}

/** Header fields of a (streamed) WAV and its duration from the bytes after the header. */
function readWav(bytes: Buffer) {
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(bytes.subarray(8, 16).toString('latin1')).toBe('WAVEfmt ');
  expect(bytes.subarray(36, 40).toString('latin1')).toBe('data');
  const sampleRate = bytes.readUInt32LE(24);
  return {
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate,
    bits: bytes.readUInt16LE(34),
    seconds: (bytes.length - 44) / 2 / sampleRate,
  };
}

describe('OpenAI speech API through the official openai SDK (e2e, real eSpeak engine)', () => {
  const t = useTestApp({ engine: 'real', env: { TTS_WORKERS: '1' } });
  let client: OpenAI;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    // Only the base URL changes; any key is accepted (OPENAI_API_KEY_REQUIRED unset).
    client = new OpenAI({
      apiKey: 'sk-anything',
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxRetries: 0,
      timeout: 280_000,
    });
    dir = mkdtempSync(join(tmpdir(), 'openai-sdk-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const input = 'The lighthouse keeper counted the ships. Then he wrote them down in his log.';

  it('lists the voices and the models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['espeak', 'kokoro', 'piper']);
    const voices = await client.get<{ voices: { id: string }[] }>('/audio/voices');
    expect(voices.voices.map((v) => v.id)).toContain('af_bella');
  });

  it('wav: a WAV at the engine rate, 16-bit mono, that lasts', async () => {
    const response = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'af_bella',
      input,
      response_format: 'wav',
    });
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const file = join(dir, 'speech.wav');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const wav = readWav(readFileSync(file));
    expect(wav).toEqual(
      expect.objectContaining({ format: 1, channels: 1, bits: 16, sampleRate: ESPEAK_RATE }),
    );
    expect(wav.seconds).toBeGreaterThan(1.5);
  });

  it('pcm: raw 16-bit little-endian mono at the engine rate (X-Sample-Rate)', async () => {
    const response = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'am_adam',
      input,
      response_format: 'pcm',
    });
    expect(response.headers.get('x-sample-rate')).toBe(String(ESPEAK_RATE));
    const file = join(dir, 'speech.pcm');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const bytes = readFileSync(file);
    expect(bytes.length % 2).toBe(0);
    expect(bytes.length / 2 / ESPEAK_RATE).toBeGreaterThan(1.5);
    // Not silence: some sample is loud.
    const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    expect(samples.some((s) => Math.abs(s) > 1000)).toBe(true);
  });

  it('mp3 (the default format): decodes with mpg123 at the engine rate, as long as the WAV', async () => {
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'af_bella', input });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    const file = join(dir, 'speech.mp3');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const mp3 = await decodeAudioFile(file, 'mp3');
    expect(mp3.errors).toBe(0);
    expect(mp3.sampleRate).toBe(ESPEAK_RATE);
    const wav = readWav(readFileSync(join(dir, 'speech.wav')));
    expect(mp3.samples / mp3.sampleRate).toBeGreaterThan(wav.seconds * 0.95);
    expect(mp3.samples / mp3.sampleRate).toBeLessThan(wav.seconds * 1.1);
  });

  it('flac: decodes with a FLAC decoder at the engine rate, exactly the WAV samples, smaller', async () => {
    const response = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'af_bella',
      input,
      response_format: 'flac',
    });
    expect(response.headers.get('content-type')).toBe('audio/flac');
    const file = join(dir, 'speech.flac');
    const bytes = Buffer.from(await response.arrayBuffer());
    writeFileSync(file, bytes);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('fLaC');
    const flac = await decodeAudioFile(file, 'flac');
    expect(flac.errors).toBe(0);
    expect(flac.sampleRate).toBe(ESPEAK_RATE);
    const wavBytes = readFileSync(join(dir, 'speech.wav'));
    // Lossless, and the same synthesis: exactly as many samples as the WAV.
    expect(flac.samples).toBe((wavBytes.length - 44) / 2);
    expect(bytes.length).toBeLessThan(wavBytes.length * 0.8);
  });

  it("errors reach the SDK as APIError with OpenAI's fields", async () => {
    const error = await client.audio.speech
      .create({ model: 'tts-1', voice: 'af_bella+af_sky', input, response_format: 'wav' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.param).toBe('voice');
    expect(apiError.code).toBe('voice_blend_unsupported');
    expect(apiError.type).toBe('invalid_request_error');
  });

  it('streams: on 3,000 characters the first chunk arrives before the last sentence is synthesized', async () => {
    const engine = t.app.get(TtsEngine);
    const events: string[] = [];
    const synthesize = engine.synthesize.bind(engine);
    const spy = jest.spyOn(engine, 'synthesize').mockImplementation(async (...args) => {
      const result = await synthesize(...args);
      events.push('synthesized');
      return result;
    });
    try {
      const text = longInput();
      expect(text.length).toBe(3000);
      const pieces = splitSentences(text).length;
      expect(pieces).toBeGreaterThan(10);
      const response = await client.audio.speech.create({
        model: 'tts-1',
        voice: 'af_bella',
        input: text,
        response_format: 'pcm',
      });
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      expect(response.headers.get('content-length')).toBeNull();
      const reader = response.body!.getReader();
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) events.push('first chunk');
        bytes += value.length;
      }
      events.push('end');
      const synthesized = events.filter((e) => e === 'synthesized').length;
      expect(synthesized).toBe(pieces);
      expect(events.indexOf('first chunk')).toBeGreaterThan(-1);
      expect(events.indexOf('first chunk')).toBeLessThan(events.lastIndexOf('synthesized'));
      expect(bytes / 2 / ESPEAK_RATE).toBeGreaterThan(60);
    } finally {
      spy.mockRestore();
    }
  });

  it('8 parallel requests each get their own audio', async () => {
    const texts = Array.from(
      { length: 8 },
      (_, i) => `Request ${i + 1} speaks. ${'It has its own length. '.repeat(i + 1)}`,
    );
    const answers = await Promise.all(
      texts.map(async (text) => {
        const response = await client.audio.speech.create({
          model: 'tts-1',
          voice: 'af_bella',
          input: text,
          response_format: 'wav',
        });
        return readWav(Buffer.from(await response.arrayBuffer()));
      }),
    );
    for (const wav of answers) expect(wav.sampleRate).toBe(ESPEAK_RATE);
    // Longer texts, longer answers: each got its own.
    for (let i = 1; i < answers.length; i++) {
      expect(answers[i].seconds).toBeGreaterThan(answers[i - 1].seconds);
    }
    expect(t.app.get(OpenAiSpeechService).activeStreams).toBe(0);
  });

  it('a disconnect mid-stream cancels the rest: the pool and the scheduler are freed', async () => {
    const engine = t.app.get(TtsEngine);
    const scheduler = t.app.get(FairScheduler);
    const speech = t.app.get(OpenAiSpeechService);
    let finished = 0;
    const synthesize = engine.synthesize.bind(engine);
    const spy = jest.spyOn(engine, 'synthesize').mockImplementation(async (...args) => {
      const result = await synthesize(...args);
      finished += 1;
      return result;
    });
    try {
      const text = longInput();
      const pieces = splitSentences(text).length;
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/audio/speech',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            expect(res.statusCode).toBe(200);
            res.once('data', () => {
              // The first chunk is here; the client goes away.
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
        req.end(
          JSON.stringify({
            model: 'tts-1',
            voice: 'af_bella',
            input: text,
            response_format: 'wav',
          }),
        );
      });
      // Wait (by polling the state, not a duration) for the server to notice and let go.
      while (speech.activeStreams > 0 || engine.stats().busy > 0 || scheduler.busy > 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(scheduler.queued).toBe(0);
      expect(engine.stats().busy).toBe(0);
      const after = finished;
      expect(after).toBeLessThan(pieces);
      // Nothing more is synthesized for it afterwards: a short request is served at once.
      const response = await client.audio.speech.create({
        model: 'tts-1',
        voice: 'af_bella',
        input: 'Still here.',
        response_format: 'pcm',
      });
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
      expect(finished).toBe(after + 1);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes turns with a 100-segment batch: speech is served while the batch runs, and the batch goes on', async () => {
    const sentence = 'The tide came in over the rocks and the keeper watched the lamp turn.';
    const project = await t.http.importProject(
      Array.from({ length: 100 }, (_, i) => `${i + 1}. ${sentence}`),
      'Batch',
    );
    const accepted = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
    expect(accepted.statusCode).toBe(202);
    const taskId = (accepted.json() as { task_id: string }).task_id;
    const progress = async () =>
      (await t.http.get(`/api/tasks/${taskId}/status/`)).json() as {
        status: string;
        progress: { current: number; total: number };
      };
    const before = await progress();
    const response = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'af_bella',
      input: `${sentence} ${sentence} ${sentence}`,
      response_format: 'wav',
    });
    expect(readWav(Buffer.from(await response.arrayBuffer())).seconds).toBeGreaterThan(3);
    const during = await progress();
    // The speech did not wait for the batch to finish...
    expect(during.status).not.toBe('COMPLETED');
    expect(during.progress.current).toBeLessThan(100);
    // ...and the batch took its turns meanwhile (round robin: segment, sentence, segment...),
    // and went on to the end.
    expect(during.progress.current).toBeGreaterThan(before.progress.current);
    const last = await taskFinished(t.app, taskId);
    expect(last.status).toBe('COMPLETED');
    expect(last.progress.current).toBe(100);
  });
});
