import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AppConfig } from '../../config/app.config';
import { npzNames } from './npz';

/** Kokoro's files: the ONNX model and its voices file (an npz of style arrays). */
export interface KokoroFiles {
  model: string;
  voices: string;
  /** Voice names in the voices file, e.g. `af_bella`. */
  voiceNames: string[];
}

/** The part of a Piper `<voice>.onnx.json` the engine uses. */
export interface PiperVoiceConfig {
  sampleRate: number;
  espeakVoice: string;
  /** e.g. `en_US`, from `language.code` (or derived from the file name). */
  languageCode: string;
  numSpeakers: number;
  noiseScale: number;
  lengthScale: number;
  noiseW: number;
  phonemeIdMap: Record<string, number[]>;
}

/** One Piper voice: `<name>.onnx` with `<name>.onnx.json` beside it. */
export interface PiperVoiceFiles {
  name: string;
  model: string;
  config: string;
  settings: PiperVoiceConfig;
}

export type EngineChoice =
  | { kind: 'espeak' }
  | { kind: 'kokoro'; kokoro: KokoroFiles }
  | { kind: 'piper'; piper: PiperVoiceFiles[] };

/** The configured engine's files are missing, unreadable or malformed: the service cannot start. */
export class EngineConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Model file names kokoro-onnx users have, best first, each with the voices files that go with
 * it: the v1.0 pair (`kokoro-v1.0.onnx` + `voices-v1.0.bin`, also fp16/int8 exports) and
 * StoryFlow's v0.19 pair (`kokoro-v0_19.onnx` + `voices.bin`).
 */
const KOKORO_MODELS: readonly [string, readonly string[]][] = [
  ['kokoro-v1.0.onnx', ['voices-v1.0.bin', 'voices.bin']],
  ['kokoro-v1.0.fp16.onnx', ['voices-v1.0.bin', 'voices.bin']],
  ['kokoro-v1.0.int8.onnx', ['voices-v1.0.bin', 'voices.bin']],
  ['kokoro-v0_19.onnx', ['voices.bin', 'voices-v1.0.bin']],
  ['kokoro-v0_19.fp16.onnx', ['voices.bin', 'voices-v1.0.bin']],
];

/**
 * Which engine runs, from TTS_ENGINE and the files present. `auto`: Kokoro when
 * KOKORO_MODEL_DIR holds a model and its voices file, then Piper when PIPER_VOICES_DIR holds at
 * least one voice, otherwise eSpeak. An explicit engine whose files are missing, unreadable or
 * malformed throws EngineConfigurationError naming the file and the variable; so does a file
 * that `auto` found but cannot read.
 */
export function chooseEngine(
  config: Pick<AppConfig, 'ttsEngine' | 'kokoroModelDir' | 'piperVoicesDir'>,
): EngineChoice {
  const { ttsEngine } = config;
  if (ttsEngine === 'espeak') return { kind: 'espeak' };
  if (ttsEngine === 'kokoro') return { kind: 'kokoro', kokoro: kokoroFiles(config, true)! };
  if (ttsEngine === 'piper') return { kind: 'piper', piper: piperVoices(config, true) };
  const kokoro = kokoroFiles(config, false);
  if (kokoro) return { kind: 'kokoro', kokoro };
  const piper = piperVoices(config, false);
  if (piper.length > 0) return { kind: 'piper', piper };
  return { kind: 'espeak' };
}

/** Kokoro's pair in KOKORO_MODEL_DIR; null (when not `required`) if there is none. */
function kokoroFiles(
  config: Pick<AppConfig, 'kokoroModelDir'>,
  required: boolean,
): KokoroFiles | null {
  const dir = config.kokoroModelDir;
  const where = `KOKORO_MODEL_DIR=${dir}`;
  const known = KOKORO_MODELS.map(([model]) => model);
  if (!isDirectory(dir)) {
    if (!required) return null;
    throw new EngineConfigurationError(
      `TTS_ENGINE=kokoro: the folder ${dir} (KOKORO_MODEL_DIR) does not exist. Point ` +
        `KOKORO_MODEL_DIR at the folder holding ${known.join(' or ')} and its voices file.`,
    );
  }
  const present = KOKORO_MODELS.find(([model]) => existsSync(join(dir, model)));
  const fallback = present
    ? undefined
    : readdirSync(dir)
        .filter((name) => /^kokoro.*\.onnx$/i.test(name))
        .sort()[0];
  const modelName = present?.[0] ?? fallback;
  if (!modelName) {
    if (!required) return null;
    throw new EngineConfigurationError(
      `TTS_ENGINE=kokoro: no Kokoro model in ${where}: expected ${join(dir, known[0])} ` +
        `or ${join(dir, 'kokoro-v0_19.onnx')}.`,
    );
  }
  const model = join(dir, modelName);
  const voicesCandidates = present?.[1] ?? ['voices-v1.0.bin', 'voices.bin'];
  const voicesName = voicesCandidates.find((name) => existsSync(join(dir, name)));
  if (!voicesName) {
    if (!required) return null;
    throw new EngineConfigurationError(
      `Kokoro voices file missing: ${join(dir, voicesCandidates[0])} (${where}) must sit ` +
        `beside the model ${model}.`,
    );
  }
  const voices = join(dir, voicesName);
  ensureReadable(model, 'KOKORO_MODEL_DIR');
  let voiceNames: string[];
  try {
    voiceNames = npzNames(readFileSync(voices));
  } catch (error) {
    throw new EngineConfigurationError(
      `Kokoro voices file ${voices} (KOKORO_MODEL_DIR) is unreadable: ${(error as Error).message}`,
    );
  }
  if (voiceNames.length === 0) {
    throw new EngineConfigurationError(
      `Kokoro voices file ${voices} (KOKORO_MODEL_DIR) holds no voice.`,
    );
  }
  return { model, voices, voiceNames: voiceNames.sort() };
}

/** Every `<name>.onnx` + `<name>.onnx.json` under PIPER_VOICES_DIR (sub-folders included). */
function piperVoices(
  config: Pick<AppConfig, 'piperVoicesDir'>,
  required: boolean,
): PiperVoiceFiles[] {
  const dir = config.piperVoicesDir;
  if (dir === null || !isDirectory(dir)) {
    if (!required) return [];
    throw new EngineConfigurationError(
      dir === null
        ? 'TTS_ENGINE=piper needs PIPER_VOICES_DIR: the folder of <voice>.onnx + <voice>.onnx.json files.'
        : `TTS_ENGINE=piper: the folder ${dir} (PIPER_VOICES_DIR) does not exist.`,
    );
  }
  const models = (readdirSync(dir, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.onnx'))
    .sort();
  const voices: PiperVoiceFiles[] = [];
  for (const relative of models) {
    const model = join(dir, relative);
    const configPath = `${model}.json`;
    if (!existsSync(configPath)) {
      if (required) {
        throw new EngineConfigurationError(
          `Piper voice ${model} (PIPER_VOICES_DIR) has no ${basename(configPath)} beside it.`,
        );
      }
      continue;
    }
    ensureReadable(model, 'PIPER_VOICES_DIR');
    voices.push({
      name: basename(model, '.onnx'),
      model,
      config: configPath,
      settings: readPiperConfig(configPath),
    });
  }
  if (voices.length === 0 && required) {
    throw new EngineConfigurationError(
      `TTS_ENGINE=piper: no voice in ${dir} (PIPER_VOICES_DIR): each voice is a <name>.onnx ` +
        'with its <name>.onnx.json.',
    );
  }
  return voices;
}

/** The fields of a Piper voice config that synthesis needs (defaults as in Piper's own code). */
export function readPiperConfig(path: string): PiperVoiceConfig {
  const fail = (reason: string) =>
    new EngineConfigurationError(`Piper voice config ${path} (PIPER_VOICES_DIR): ${reason}`);
  let json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw fail(`unreadable (${(error as Error).message})`);
  }
  const sampleRate = json?.audio?.sample_rate;
  const espeakVoice = json?.espeak?.voice;
  const map = json?.phoneme_id_map;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw fail('no audio.sample_rate');
  if (typeof espeakVoice !== 'string' || !espeakVoice) throw fail('no espeak.voice');
  if (!map || typeof map !== 'object') throw fail('no phoneme_id_map');
  for (const symbol of ['^', '$', '_']) {
    if (!Array.isArray(map[symbol])) throw fail(`phoneme_id_map lacks "${symbol}"`);
  }
  if ((json.phoneme_type ?? 'espeak') !== 'espeak') {
    throw fail(`phoneme_type "${json.phoneme_type}" is not supported (espeak only)`);
  }
  const inference = json.inference ?? {};
  const name = basename(path, '.onnx.json');
  return {
    sampleRate,
    espeakVoice,
    languageCode: json?.language?.code ?? /^([a-z]{2,3}_[A-Z]{2})/.exec(name)?.[1] ?? '',
    numSpeakers: Number.isInteger(json.num_speakers) ? json.num_speakers : 1,
    noiseScale: inference.noise_scale ?? 0.667,
    lengthScale: inference.length_scale ?? 1,
    noiseW: inference.noise_w ?? 0.8,
    phonemeIdMap: map,
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function ensureReadable(path: string, variable: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new EngineConfigurationError(
      `Cannot read ${path} (${variable}): ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}
