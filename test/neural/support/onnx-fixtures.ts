import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { onnx } from 'onnx-proto';

/**
 * Small ONNX models built by the tests, with the input and output names, types and shapes of
 * the real exports (checked against kokoro-onnx's and Piper's inference code):
 *
 * - Kokoro v0.19 (`kokoro-v0_19.onnx`): tokens int64 [1, n], style float32 [1, 256],
 *   speed float32 [1] → audio float32 [samples].
 * - Kokoro v1.0 (hexgrad's export script, kokoro-onnx's `kokoro-v1.0.onnx`): input_ids int64
 *   [1, n], style float32 [1, 256], speed int32 [1] → waveform float32 [samples], duration.
 * - Piper: input int64 [1, n], input_lengths int64 [1], scales float32 [3] (noise, length,
 *   noise_w) → output float32 [1, 1, samples].
 *
 * Each speaks a deterministic waveform: `SAMPLES_PER_TOKEN` samples per input token (75 ms at
 * 24 kHz, about real Kokoro's pace, so stories last as long as real ones; pads
 * included), divided by the speed (Kokoro) or times length_scale (Piper), floored; sample i is
 * 0.5·sin(0.05·i) plus an offset that lets tests see what the model was given: the style's
 * first value (Kokoro, so the style row is visible in sample 0) or noise_scale/10 (Piper).
 */
export const SAMPLES_PER_TOKEN = 1800;
export const STYLE_DIM = 256;
export const STYLE_ROWS = 510;

/** First style value of row r in the fixture voices: r/2000 (+ 0.3 for British voices). */
export const styleValue = (voice: string, row: number) =>
  row / 2000 + (voice.startsWith('b') ? 0.3 : 0);

/**
 * Fixture voices: five of StoryFlow's seven (af_nicole and am_michael are missing) and af_sky,
 * a Kokoro voice StoryFlow does not list.
 */
export const FIXTURE_KOKORO_VOICES = [
  'af_bella',
  'af_sarah',
  'af_sky',
  'am_adam',
  'bf_emma',
  'bm_george',
];

const { TensorProto } = onnx;
type Dim = number | string;

function valueInfo(name: string, type: number, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function floatConst(name: string, value: number): onnx.INodeProto {
  return constant(name, { dataType: TensorProto.DataType.FLOAT, dims: [], floatData: [value] });
}

function int64Const(name: string, values: number[], dims: number[] = []): onnx.INodeProto {
  return constant(name, { dataType: TensorProto.DataType.INT64, dims, int64Data: values });
}

function constant(name: string, tensor: onnx.ITensorProto): onnx.INodeProto {
  return {
    opType: 'Constant',
    output: [name],
    attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor }],
  };
}

function node(
  opType: string,
  input: string[],
  output: string,
  attribute: onnx.IAttributeProto[] = [],
): onnx.INodeProto {
  return { opType, input, output: [output], attribute };
}

const intAttr = (name: string, i: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});

/**
 * Nodes computing `wave` = 0.5·sin(0.05·i) + `offset` for i < floor(`count` · `perToken` ·
 * `scale`), from a float scalar `count` and a float scalar `scale`.
 */
function waveNodes(count: string, scale: string, offset: string): onnx.INodeProto[] {
  return [
    floatConst('per_token', SAMPLES_PER_TOKEN),
    floatConst('zero', 0),
    floatConst('one', 1),
    floatConst('freq', 0.05),
    floatConst('amp', 0.5),
    node('Mul', [count, 'per_token'], 'raw_len'),
    node('Mul', ['raw_len', scale], 'scaled_len'),
    node('Floor', ['scaled_len'], 'len'),
    node('Range', ['zero', 'len', 'one'], 'index'),
    node('Mul', ['index', 'freq'], 'phase'),
    node('Sin', ['phase'], 'sine'),
    node('Mul', ['sine', 'amp'], 'scaled'),
    node('Add', ['scaled', offset], 'wave'),
  ];
}

/** Nodes: `count` = number of columns of the [1, n] int64 input `ids`, as a float scalar. */
function tokenCountNodes(ids: string): onnx.INodeProto[] {
  return [
    node('Shape', [ids], 'ids_shape'),
    int64Const('col', [1]),
    node('Gather', ['ids_shape', 'col'], 'n', [intAttr('axis', 0)]),
    node('Cast', ['n'], 'count', [intAttr('to', TensorProto.DataType.FLOAT)]),
  ];
}

function model(graph: onnx.IGraphProto): Buffer {
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'storyflow-voice-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
  });
  return Buffer.from(onnx.ModelProto.encode(proto).finish());
}

const F = TensorProto.DataType.FLOAT;
const I64 = TensorProto.DataType.INT64;
const I32 = TensorProto.DataType.INT32;

/** A Kokoro-shaped model: `v0.19` (tokens → audio, float speed) or `v1.0` (input_ids → waveform, int speed). */
export function kokoroModel(version: 'v0.19' | 'v1.0'): Buffer {
  const ids = version === 'v0.19' ? 'tokens' : 'input_ids';
  const out = version === 'v0.19' ? 'audio' : 'waveform';
  const speedNodes =
    version === 'v0.19'
      ? [node('ReduceSum', ['speed'], 'speed_scalar', [intAttr('keepdims', 0)])]
      : [
          node('Cast', ['speed'], 'speed_float', [intAttr('to', F)]),
          node('ReduceSum', ['speed_float'], 'speed_scalar', [intAttr('keepdims', 0)]),
        ];
  const nodes = [
    ...tokenCountNodes(ids),
    ...speedNodes,
    node('Reciprocal', ['speed_scalar'], 'inverse_speed'),
    int64Const('first', [0]),
    node('Gather', ['style', 'first'], 'style_first', [intAttr('axis', 1)]),
    node('ReduceSum', ['style_first'], 'style_offset', [intAttr('keepdims', 0)]),
    ...waveNodes('count', 'inverse_speed', 'style_offset'),
    node('Identity', ['wave'], out),
  ];
  const outputs = [valueInfo(out, F, ['num_samples'])];
  if (version === 'v1.0') {
    nodes.push(node('Identity', [ids], 'duration'));
    outputs.push(valueInfo('duration', I64, [1, 'input_ids_len']));
  }
  return model({
    name: `kokoro-${version}-fixture`,
    node: nodes,
    input: [
      valueInfo(ids, I64, [1, version === 'v0.19' ? 'tokens_len' : 'input_ids_len']),
      valueInfo('style', F, [1, STYLE_DIM]),
      valueInfo('speed', version === 'v0.19' ? F : I32, [1]),
    ],
    output: outputs,
  });
}

/** A Piper-shaped model (single speaker). */
export function piperModel(): Buffer {
  const nodes = [
    ...tokenCountNodes('input'),
    int64Const('noise_index', [0]),
    int64Const('length_index', [1]),
    node('Gather', ['scales', 'length_index'], 'length_scale', [intAttr('axis', 0)]),
    node('Gather', ['scales', 'noise_index'], 'noise_scale', [intAttr('axis', 0)]),
    floatConst('tenth', 0.1),
    node('Mul', ['noise_scale', 'tenth'], 'noise_offset'),
    ...waveNodes('count', 'length_scale', 'noise_offset'),
    int64Const('outer_axes', [0, 1], [2]),
    node('Unsqueeze', ['wave', 'outer_axes'], 'output'),
  ];
  return model({
    name: 'piper-fixture',
    node: nodes,
    input: [
      valueInfo('input', I64, [1, 'phonemes']),
      valueInfo('input_lengths', I64, [1]),
      valueInfo('scales', F, [3]),
    ],
    output: [valueInfo('output', F, [1, 1, 'time'])],
  });
}

/** A `.npy` file (format 1.0) of float32 values in C order. */
export function npy(shape: number[], data: Float32Array): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, '\n' last.
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** A Kokoro voices file (npz): each voice (510, 1, 256), row r filled with `styleValue(voice, r)`. */
export function voicesNpz(voices = FIXTURE_KOKORO_VOICES): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const voice of voices) {
    const data = new Float32Array(STYLE_ROWS * STYLE_DIM);
    for (let row = 0; row < STYLE_ROWS; row++) {
      data.fill(styleValue(voice, row), row * STYLE_DIM, (row + 1) * STYLE_DIM);
    }
    files[`${voice}.npy`] = npy([STYLE_ROWS, 1, STYLE_DIM], data);
  }
  return zipSync(files);
}

/** Phoneme → id map of the Piper fixture: pad/BOS/EOS, space, punctuation and IPA symbols. */
export const PIPER_SYMBOLS = [
  '_',
  '^',
  '$',
  ' ',
  '!',
  ',',
  '.',
  '?',
  ';',
  ':',
  ...'abdefhijklmnoprstuvwxzæðŋɐɑɔəɚɛɜɡɪɹɾʃʊʌʒʔˈˌːθᵻ',
];

export interface PiperFixtureVoice {
  name: string;
  espeakVoice: string;
  languageCode: string;
  sampleRate: number;
}

export const FIXTURE_PIPER_VOICES: PiperFixtureVoice[] = [
  { name: 'en_US-lessac-medium', espeakVoice: 'en-us', languageCode: 'en_US', sampleRate: 22050 },
  { name: 'en_US-ryan-low', espeakVoice: 'en-us', languageCode: 'en_US', sampleRate: 16000 },
  {
    name: 'en_GB-alba-medium',
    espeakVoice: 'en-gb-x-rp',
    languageCode: 'en_GB',
    sampleRate: 22050,
  },
];

export const PIPER_NOISE_SCALE = 0.667;

/** A Piper `<voice>.onnx.json` in the format of Piper's voices. */
export function piperConfig(voice: PiperFixtureVoice): string {
  return JSON.stringify({
    audio: { sample_rate: voice.sampleRate, quality: voice.name.split('-')[2] },
    espeak: { voice: voice.espeakVoice },
    language: { code: voice.languageCode },
    inference: { noise_scale: PIPER_NOISE_SCALE, length_scale: 1, noise_w: 0.8 },
    phoneme_type: 'espeak',
    phoneme_id_map: Object.fromEntries(PIPER_SYMBOLS.map((symbol, id) => [symbol, [id]])),
    num_symbols: PIPER_SYMBOLS.length,
    num_speakers: 1,
    speaker_id_map: {},
  });
}

/** Writes a Kokoro folder like StoryFlow's `models/` (or the v1.0 pair) and returns it. */
export function writeKokoroFolder(dir: string, version: 'v0.19' | 'v1.0' = 'v0.19'): string {
  mkdirSync(dir, { recursive: true });
  const [modelName, voicesName] =
    version === 'v0.19'
      ? ['kokoro-v0_19.onnx', 'voices.bin']
      : ['kokoro-v1.0.onnx', 'voices-v1.0.bin'];
  writeFileSync(join(dir, modelName), kokoroModel(version));
  writeFileSync(join(dir, voicesName), voicesNpz());
  return dir;
}

/** Writes a Piper voices folder (`<name>.onnx` + `<name>.onnx.json` each) and returns it. */
export function writePiperFolder(dir: string, voices = FIXTURE_PIPER_VOICES): string {
  mkdirSync(dir, { recursive: true });
  for (const voice of voices) {
    writeFileSync(join(dir, `${voice.name}.onnx`), piperModel());
    writeFileSync(join(dir, `${voice.name}.onnx.json`), piperConfig(voice));
  }
  return dir;
}
