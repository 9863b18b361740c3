import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKokoroFolder } from './onnx-fixtures';

/**
 * Setup of the `e2e-kokoro` jest project: the contract's e2e files run again with
 * TTS_ENGINE=kokoro on the fixture model (StoryFlow's v0.19 pair), so that generation,
 * progress, cancel and faults are proven with the Kokoro engine too. Every app a test boots
 * with the real engine reads these variables (`testConfig`), and so do the server processes
 * (they inherit the environment), whose workers load the fixture model.
 */
const dir = writeKokoroFolder(mkdtempSync(join(tmpdir(), 'storyflow-kokoro-suite-')));
const previous = {
  TTS_ENGINE: process.env.TTS_ENGINE,
  KOKORO_MODEL_DIR: process.env.KOKORO_MODEL_DIR,
};
process.env.TTS_ENGINE = 'kokoro';
process.env.KOKORO_MODEL_DIR = dir;

afterAll(() => {
  for (const [key, value] of Object.entries(previous)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});
