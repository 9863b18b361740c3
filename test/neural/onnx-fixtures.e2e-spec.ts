/**
 * @jest-environment ./test/neural/support/onnx-environment.js
 */
import * as ort from 'onnxruntime-node';
import { readNpz } from '../../src/audio/engine/npz';
import {
  FIXTURE_KOKORO_VOICES,
  kokoroModel,
  PIPER_NOISE_SCALE,
  piperModel,
  SAMPLES_PER_TOKEN,
  STYLE_DIM,
  STYLE_ROWS,
  styleValue,
  voicesNpz,
} from './support/onnx-fixtures';

// The fixture models are checked the way a model is: loaded by ONNX Runtime, their declared
// inputs/outputs compared with the real exports', then run on known inputs.

const ids = (n: number) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: n }, () => 5n),
    [1, n],
  );
const style = (value: number) =>
  new ort.Tensor('float32', new Float32Array(STYLE_DIM).fill(value), [1, STYLE_DIM]);
const expectedLength = (tokens: number, scale: number) =>
  Math.floor(Math.fround(Math.fround(tokens * SAMPLES_PER_TOKEN) * Math.fround(scale)));

describe('ONNX fixture models (checked with onnxruntime-node)', () => {
  it('Kokoro v0.19: tokens/style/speed → audio, length from token count and speed, style in sample 0', async () => {
    const session = await ort.InferenceSession.create(kokoroModel('v0.19'));
    expect(session.inputNames).toEqual(['tokens', 'style', 'speed']);
    expect(session.outputNames).toEqual(['audio']);
    const meta = Object.fromEntries(
      session.inputMetadata.map((m) => [m.name, m.isTensor ? [m.type, m.shape] : null]),
    );
    expect(meta).toEqual({
      tokens: ['int64', [1, 'tokens_len']],
      style: ['float32', [1, 256]],
      speed: ['float32', [1]],
    });
    for (const [n, speed] of [
      [12, 1],
      [12, 2],
      [30, 0.5],
      [512, 1.25],
    ] as const) {
      const out = await session.run({
        tokens: ids(n),
        style: style(0.125),
        speed: new ort.Tensor('float32', Float32Array.of(speed), [1]),
      });
      const audio = out.audio;
      expect(audio.type).toBe('float32');
      expect(audio.dims).toEqual([expectedLength(n, 1 / speed)]);
      const data = audio.data as Float32Array;
      expect(data[0]).toBeCloseTo(0.125, 6);
      expect(data[10]).toBeCloseTo(0.5 * Math.sin(0.5) + 0.125, 5);
    }
    await session.release();
  });

  it('Kokoro v1.0: input_ids/style/speed(int32) → waveform and duration', async () => {
    const session = await ort.InferenceSession.create(kokoroModel('v1.0'));
    expect(session.inputNames).toEqual(['input_ids', 'style', 'speed']);
    expect(session.outputNames).toEqual(['waveform', 'duration']);
    const speedMeta = session.inputMetadata.find((m) => m.name === 'speed');
    expect(speedMeta?.isTensor && speedMeta.type).toBe('int32');
    const out = await session.run({
      input_ids: ids(40),
      style: style(0.01),
      speed: new ort.Tensor('int32', Int32Array.of(2), [1]),
    });
    expect(out.waveform.dims).toEqual([expectedLength(40, 0.5)]);
    expect((out.waveform.data as Float32Array)[0]).toBeCloseTo(0.01, 6);
    await session.release();
  });

  it('Piper: input/input_lengths/scales → output [1, 1, samples], length × length_scale', async () => {
    const session = await ort.InferenceSession.create(piperModel());
    expect(session.inputNames).toEqual(['input', 'input_lengths', 'scales']);
    expect(session.outputNames).toEqual(['output']);
    for (const lengthScale of [1, 0.5, 1.6]) {
      const out = await session.run({
        input: ids(21),
        input_lengths: new ort.Tensor('int64', BigInt64Array.of(21n), [1]),
        scales: new ort.Tensor(
          'float32',
          Float32Array.of(PIPER_NOISE_SCALE, lengthScale, 0.8),
          [3],
        ),
      });
      expect(out.output.dims).toEqual([1, 1, expectedLength(21, lengthScale)]);
      expect((out.output.data as Float32Array)[0]).toBeCloseTo(PIPER_NOISE_SCALE / 10, 6);
    }
    await session.release();
  });

  it('voices.bin fixture: an npz of (510, 1, 256) float32 arrays, row r = styleValue(r)', () => {
    const arrays = readNpz(voicesNpz());
    expect([...arrays.keys()].sort()).toEqual([...FIXTURE_KOKORO_VOICES].sort());
    const bella = arrays.get('af_bella')!;
    expect(bella.shape).toEqual([STYLE_ROWS, 1, STYLE_DIM]);
    expect(bella.data[7 * STYLE_DIM]).toBeCloseTo(styleValue('af_bella', 7), 6);
    expect(arrays.get('bm_george')!.data[STYLE_DIM * 509 + 255]).toBeCloseTo(
      styleValue('bm_george', 509),
      6,
    );
  });
});
