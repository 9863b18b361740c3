import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseEngine } from '../../src/audio/engine/engine-selection';
import { parseWavHeader } from '../../src/audio/engine/wav';
import { taskFinished } from '../support/tasks';
import { useTestApp } from '../support/test-app';

/*
 * The same checks on real model files, when they are given (nothing is downloaded):
 *   KOKORO_TEST_MODEL_DIR=/path/to/storyflow/models npx jest test/neural/real-models
 *   PIPER_TEST_VOICES_DIR=/path/to/piper-voices   npx jest test/neural/real-models
 * Without them these tests are skipped, and their names say which variable to set.
 */
const KOKORO_DIR = process.env.KOKORO_TEST_MODEL_DIR;
const PIPER_DIR = process.env.PIPER_TEST_VOICES_DIR;
for (const [variable, value] of [
  ['KOKORO_TEST_MODEL_DIR', KOKORO_DIR],
  ['PIPER_TEST_VOICES_DIR', PIPER_DIR],
]) {
  // Straight to stderr (jest's console may be quieted): a skip must not go unnoticed.
  if (!value)
    process.stderr.write(`real-models: ${variable} is unset, its e2e tests are skipped\n`);
}

const STORY = [
  'Once upon a time, a small fox lived at the edge of a quiet forest.',
  'Every morning she walked to the river to watch the herons fish.',
];

/** Narrates STORY and returns the WAV headers of its segments. */
async function narrate(t: ReturnType<typeof useTestApp>) {
  const project = await t.http.importProject(STORY);
  const res = await t.http.post(`/api/projects/${project.id}/generate-all-audio/`);
  const final = await taskFinished(t.app, res.json().task_id);
  expect(final.errors).toEqual([]);
  expect(final.status).toBe('COMPLETED');
  return project.segments.map((segment) =>
    parseWavHeader(
      readFileSync(join(t.dataDir, 'media', 'projects', project.id, 'audio', `${segment.id}.wav`)),
    ),
  );
}

const kokoroDescribe = KOKORO_DIR ? describe : describe.skip;
kokoroDescribe(
  `real Kokoro files (KOKORO_TEST_MODEL_DIR=${KOKORO_DIR ?? 'unset: skipped'})`,
  () => {
    const t = useTestApp({
      engine: 'real',
      env: { TTS_ENGINE: 'kokoro', KOKORO_MODEL_DIR: KOKORO_DIR ?? '' },
    });

    it("lists the voices file's voices, StoryFlow's ids among them", async () => {
      const ids = (await t.http.get('/api/settings/voices/'))
        .json()
        .map((v: { id: string }) => v.id);
      expect(ids).toEqual(expect.arrayContaining(['af_bella', 'bm_george']));
    });

    it('narrates at 24 kHz; a few seconds per sentence, faster when asked', async () => {
      const normal = await narrate(t);
      for (const wav of normal) {
        expect(wav.sampleRate).toBe(24000);
        expect(wav.durationSeconds).toBeGreaterThan(1.5);
        expect(wav.durationSeconds).toBeLessThan(12);
      }
      await t.http.patch('/api/settings/', { tts_speed: 2, default_voice_id: 'bm_george' });
      const fast = await narrate(t);
      expect(fast[0].durationSeconds).toBeLessThan(normal[0].durationSeconds * 0.8);
    });
  },
);

const piperDescribe = PIPER_DIR ? describe : describe.skip;
piperDescribe(`real Piper voices (PIPER_TEST_VOICES_DIR=${PIPER_DIR ?? 'unset: skipped'})`, () => {
  const t = useTestApp({
    engine: 'real',
    env: { TTS_ENGINE: 'piper', PIPER_VOICES_DIR: PIPER_DIR ?? '' },
  });

  it("narrates at each voice's json rate", async () => {
    const choice = chooseEngine({
      ttsEngine: 'piper',
      kokoroModelDir: '',
      piperVoicesDir: PIPER_DIR ?? null,
    });
    if (choice.kind !== 'piper') throw new Error('expected piper');
    for (const voice of choice.piper.slice(0, 3)) {
      await t.http.patch('/api/settings/', { default_voice_id: voice.name });
      for (const wav of await narrate(t)) {
        expect(wav.sampleRate).toBe(voice.settings.sampleRate);
        expect(wav.durationSeconds).toBeGreaterThan(1);
      }
    }
  });
});
