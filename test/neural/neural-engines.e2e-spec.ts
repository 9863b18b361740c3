import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { chooseEngine, KokoroFiles } from '../../src/audio/engine/engine-selection';
import { KokoroTtsEngine, PiperTtsEngine } from '../../src/audio/engine/neural-tts.engine';
import {
  SynthesisAbortedError,
  SynthesisFailedError,
} from '../../src/audio/engine/tts-engine.errors';
import {
  FIXTURE_PIPER_VOICES,
  PIPER_NOISE_SCALE,
  SAMPLES_PER_TOKEN,
  styleValue,
  writeKokoroFolder,
  writePiperFolder,
} from './support/onnx-fixtures';

// The real Kokoro and Piper engines (worker pool, espeak-ng phonemes, onnxruntime-node) on the
// fixture models, whose waveform length tells how many tokens and which speed reached them.

/** Samples the fixture model gives for `tokens` (pads excluded) at `scale` (1/speed or length_scale). */
const modelSamples = (tokens: number, scale: number) =>
  Math.floor(Math.fround(Math.fround(tokens * SAMPLES_PER_TOKEN) * Math.fround(scale)));
const KOKORO_PAUSE = 0.2 * 24000;
/** int16 sample → the style row the fixture model was given (sample 0 = row / 2000). */
const rowOf = (sample: number) => Math.round((sample / 32767) * 2000);

/** "Hello, world." as espeak-ng phonemizes it (en-us) and Kokoro's vocabulary maps it. */
const HELLO_PHONEMES = 'həlˈoʊ, wˈɜːld.';
// h ə l ˈ o ʊ , ␠ w ˈ ɜ ː l d . — ids read one by one from the vocabulary of kokoro-onnx's
// config.json: h 50, ə 83, l 54, ˈ 156, o 57, ʊ 135, ',' 3, ' ' 16, w 65, ɜ 87, ː 158, d 46, '.' 4.
const HELLO_TOKENS = [50, 83, 54, 156, 57, 135, 3, 16, 65, 156, 87, 158, 54, 46, 4];

const SENTENCE =
  'The old lighthouse keeper climbed the winding stairs every evening to light the lamp. ';
/** A paragraph of about 2,000 characters (24 sentences). */
const PARAGRAPH = SENTENCE.repeat(24).trim();

describe.each(['v0.19', 'v1.0'] as const)('KokoroTtsEngine on the %s fixture (e2e)', (version) => {
  const previousHooks = process.env.STORYFLOW_TEST_HOOKS;
  let dir: string;
  let files: KokoroFiles;
  let engine: KokoroTtsEngine;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    process.env.STORYFLOW_TEST_HOOKS = '1';
    dir = writeKokoroFolder(mkdtempSync(join(tmpdir(), 'kokoro-')), version);
    const choice = chooseEngine({ ttsEngine: 'kokoro', kokoroModelDir: dir, piperVoicesDir: null });
    if (choice.kind !== 'kokoro') throw new Error('expected kokoro');
    files = choice.kokoro;
    engine = new KokoroTtsEngine(files, { workers: 2, cores: 2 });
    await engine.start();
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
    if (previousHooks === undefined) delete process.env.STORYFLOW_TEST_HOOKS;
    else process.env.STORYFLOW_TEST_HOOKS = previousHooks;
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it('finds the pair and its voices, one ONNX thread per worker on 2 cores', () => {
    const names =
      version === 'v0.19'
        ? ['kokoro-v0_19.onnx', 'voices.bin']
        : ['kokoro-v1.0.onnx', 'voices-v1.0.bin'];
    expect(engine.describe()).toEqual({ engine: 'kokoro', files: names.map((n) => join(dir, n)) });
    expect(files.voiceNames).toEqual([
      'af_bella',
      'af_sarah',
      'af_sky',
      'am_adam',
      'bf_emma',
      'bm_george',
    ]);
    expect(engine.threads).toBe(1);
  });

  it('tokenizes a known sentence to the sequence read by hand from the vocabulary', async () => {
    const chunks = await engine.tokenize('Hello, world.', 'af_bella');
    expect(chunks).toEqual([{ phonemes: HELLO_PHONEMES, tokens: HELLO_TOKENS, end: 13 }]);
  });

  it('speaks at 24 kHz, padded tokens in, the style row of the token count', async () => {
    const result = await engine.synthesize({ text: 'Hello, world.', voice: 'af_bella', speed: 1 });
    expect(result.sampleRate).toBe(24000);
    // 15 tokens + the two pads
    expect(result.samples.length).toBe(modelSamples(HELLO_TOKENS.length + 2, 1));
    expect(rowOf(result.samples[0])).toBe(HELLO_TOKENS.length);
  });

  it('reads the British voice in British English, its own style', async () => {
    const [chunk] = await engine.tokenize('Hello, world.', 'bm_george');
    expect(chunk.phonemes).toBe('həlˈəʊ, wˈɜːld.');
    const result = await engine.synthesize({ text: 'Hello, world.', voice: 'bm_george', speed: 1 });
    const row = Math.round((result.samples[0] / 32767 - 0.3) * 2000);
    expect(row).toBe(chunk.tokens.length);
    expect(result.samples[0] / 32767).toBeCloseTo(styleValue('bm_george', row), 3);
  });

  it('passes the speed to the model', async () => {
    const at = async (speed: number) =>
      (await engine.synthesize({ text: 'Hello, world.', voice: 'af_bella', speed })).samples.length;
    const n = HELLO_TOKENS.length + 2;
    if (version === 'v0.19') {
      expect(await at(2)).toBe(modelSamples(n, Math.fround(1 / 2)));
      expect(await at(0.5)).toBe(modelSamples(n, 2));
    } else {
      // hexgrad's v1.0 export takes an int32 speed: 2 is exact, 1.4 rounds to 1.
      expect(await at(2)).toBe(modelSamples(n, Math.fround(1 / 2)));
      expect(await at(1.4)).toBe(modelSamples(n, 1));
    }
    expect(await at(1)).toBe(modelSamples(n, 1));
  });

  it('splits a 2,000-character paragraph at sentences under 510 tokens, joined by pauses', async () => {
    expect(PARAGRAPH.length).toBeGreaterThan(1990);
    const chunks = await engine.tokenize(PARAGRAPH, 'af_sarah');
    expect(chunks.length).toBeGreaterThan(1);
    const [one] = await engine.tokenize(SENTENCE, 'af_sarah');
    for (const chunk of chunks) {
      expect(chunk.tokens.length).toBeLessThanOrEqual(510);
      // Whole sentences only: each chunk is k copies of the sentence, joined by spaces.
      const k = Math.round((chunk.tokens.length + 1) / (one.tokens.length + 1));
      expect(chunk.phonemes).toBe(Array(k).fill(one.phonemes).join(' '));
    }
    const perChunk = chunks.map((c) => Math.round((c.tokens.length + 1) / (one.tokens.length + 1)));
    expect(perChunk.reduce((a, b) => a + b, 0)).toBe(24);
    expect(chunks.at(-1)!.end).toBe(PARAGRAPH.length);

    const progress: number[] = [];
    const result = await engine.synthesize(
      { text: PARAGRAPH, voice: 'af_sarah', speed: 1 },
      { onProgress: (f) => progress.push(f) },
    );
    const lengths = chunks.map((c) => modelSamples(c.tokens.length + 2, 1));
    const total = lengths.reduce((a, b) => a + b, 0) + KOKORO_PAUSE * (chunks.length - 1);
    expect(result.samples.length).toBe(total);
    // Each chunk starts with its own style row (its token count), after a silent pause.
    let at = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0) {
        expect(result.samples.subarray(at, at + KOKORO_PAUSE).every((s) => s === 0)).toBe(true);
        at += KOKORO_PAUSE;
      }
      expect(rowOf(result.samples[at])).toBe(chunk.tokens.length);
      at += lengths[i];
    }
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('cancels between chunks and keeps the worker', async () => {
    const long = Array(12).fill(PARAGRAPH).join(' ');
    const controller = new AbortController();
    const running = engine.synthesize(
      { text: long, voice: 'af_bella', speed: 1 },
      { signal: controller.signal, onProgress: (f) => f > 0 && controller.abort() },
    );
    await expect(running).rejects.toBeInstanceOf(SynthesisAbortedError);
    const after = await engine.synthesize({ text: 'Hello, world.', voice: 'af_bella', speed: 1 });
    expect(after.samples.length).toBe(modelSamples(17, 1));
  });

  it('a crashing worker fails only its own synthesis', async () => {
    const crash = engine.synthesize({ text: '\uE000__crash__', voice: 'af_bella', speed: 1 });
    const fine = engine.synthesize({ text: 'Hello, world.', voice: 'af_bella', speed: 1 });
    await expect(crash).rejects.toBeInstanceOf(SynthesisFailedError);
    expect((await fine).samples.length).toBe(modelSamples(17, 1));
    const again = await engine.synthesize({ text: 'Hello, world.', voice: 'am_adam', speed: 1 });
    expect(again.sampleRate).toBe(24000);
  });

  it('refuses a voice the voices file lacks (the service falls back before it gets here)', async () => {
    await expect(
      engine.synthesize({ text: 'Hello.', voice: 'af_nicole', speed: 1 }),
    ).rejects.toThrow(/Unknown engine voice "af_nicole"/);
  });
});

describe('PiperTtsEngine on the fixture voices (e2e)', () => {
  let dir: string;
  let engine: PiperTtsEngine;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    dir = writePiperFolder(mkdtempSync(join(tmpdir(), 'piper-')));
    const choice = chooseEngine({ ttsEngine: 'piper', kokoroModelDir: dir, piperVoicesDir: dir });
    if (choice.kind !== 'piper') throw new Error('expected piper');
    engine = new PiperTtsEngine(choice.piper, { workers: 2, cores: 2 });
    await engine.start();
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it('maps phonemes through phoneme_id_map with BOS, pads and EOS', async () => {
    const [chunk] = await engine.tokenize('Hi.', 'en_US-lessac-medium');
    // espeak-ng: "hˈaɪ." ; fixture map (PIPER_SYMBOLS order): ^ 1, $ 2, _ 0, h 15, ˈ 51, a 10, ɪ 43, . 6
    expect(chunk.phonemes).toBe('hˈaɪ.');
    expect(chunk.tokens).toEqual([1, 15, 0, 51, 0, 10, 0, 43, 0, 6, 0, 2]);
  });

  it("speaks at the json's rate, speed as length_scale, noise_scale from the json", async () => {
    const tokens = (await engine.tokenize('Hi.', 'en_US-ryan-low'))[0].tokens.length;
    const slow = await engine.synthesize({ text: 'Hi.', voice: 'en_US-ryan-low', speed: 1 });
    expect(slow.sampleRate).toBe(16000);
    expect(slow.samples.length).toBe(modelSamples(tokens, 1));
    expect(slow.samples[0] / 32767).toBeCloseTo(PIPER_NOISE_SCALE / 10, 3);
    const fast = await engine.synthesize({ text: 'Hi.', voice: 'en_US-lessac-medium', speed: 2 });
    expect(fast.sampleRate).toBe(22050);
    expect(fast.samples.length).toBe(modelSamples(tokens, Math.fround(1 / 2)));
  });

  it('reads the British voice with its espeak voice', async () => {
    const [chunk] = await engine.tokenize('Hello.', 'en_GB-alba-medium');
    expect(chunk.phonemes).toBe('həlˈəʊ.');
    expect(FIXTURE_PIPER_VOICES.map((v) => v.name)).toContain('en_GB-alba-medium');
  });
});
