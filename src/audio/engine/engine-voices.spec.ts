import { Logger } from '@nestjs/common';
import type { PiperVoiceConfig } from './engine-selection';
import { EngineVoices } from './engine-voices';

const STORYFLOW = [
  'af_bella',
  'af_sarah',
  'af_nicole',
  'am_adam',
  'am_michael',
  'bf_emma',
  'bm_george',
];

const piper = (name: string, languageCode: string) => ({
  name,
  model: `/v/${name}.onnx`,
  config: `/v/${name}.onnx.json`,
  settings: { languageCode } as PiperVoiceConfig,
});

describe('EngineVoices', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it("eSpeak: StoryFlow's ids on distinct eSpeak voices, then eSpeak's English voices", () => {
    const voices = EngineVoices.forChoice({ kind: 'espeak' });
    const ids = voices.list().map((v) => v.id);
    expect(ids.slice(0, 7)).toEqual(STORYFLOW);
    expect(ids).toContain('en-gb-scotland');
    const engineVoices = STORYFLOW.map((id) => voices.resolve(id).engineVoice);
    expect(new Set(engineVoices).size).toBe(7);
    expect(voices.resolve('en-029').engineVoice).toBe('en-029');
    expect(warn).not.toHaveBeenCalled();
  });

  it("Kokoro: StoryFlow's ids native, always offered; one the file lacks falls back, logged once", () => {
    const voices = EngineVoices.forChoice({
      kind: 'kokoro',
      kokoro: {
        model: 'm',
        voices: 'v',
        voiceNames: ['af_bella', 'af_sky', 'bm_george', 'jf_alpha'],
      },
    });
    expect(voices.list().map((v) => v.id)).toEqual([...STORYFLOW, 'af_sky', 'jf_alpha']);
    expect(voices.list().find((v) => v.id === 'jf_alpha')).toMatchObject({
      name: 'Alpha',
      gender: 'female',
      accent: 'Japanese',
    });
    expect(voices.resolve('bm_george').engineVoice).toBe('bm_george');
    expect(voices.resolve('af_sky').engineVoice).toBe('af_sky');
    expect(voices.has('af_nicole')).toBe(false);
    expect(voices.accepts('af_nicole')).toBe(true);
    expect(voices.accepts('af_robot')).toBe(false);
    expect(voices.resolve('af_nicole').engineVoice).toBe('af_bella');
    expect(voices.resolve('af_nicole').engineVoice).toBe('af_bella');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'Voice "af_nicole" is not available with the kokoro engine: using "af_bella"',
    );
  });

  it('Kokoro without af_bella: the first voice of the file is the default', () => {
    const voices = EngineVoices.forChoice({
      kind: 'kokoro',
      kokoro: { model: 'm', voices: 'v', voiceNames: ['bf_emma', 'zm_yunxi'] },
    });
    expect(voices.resolve('af_bella').engineVoice).toBe('bf_emma');
  });

  it("Piper: StoryFlow's ids spread over the closest voices, then Piper's own", () => {
    const voices = EngineVoices.forChoice({
      kind: 'piper',
      piper: [
        piper('en_US-amy-medium', 'en_US'),
        piper('en_US-lessac-high', 'en_US'),
        piper('en_US-ryan-high', 'en_US'),
        piper('en_GB-alan-low', 'en_GB'),
        piper('de_DE-thorsten-medium', 'de_DE'),
      ],
    });
    const of = (id: string) => voices.resolve(id).engineVoice;
    // Two American female voices for three ids: spread, then shared.
    expect([of('af_bella'), of('af_sarah')].sort()).toEqual([
      'en_US-amy-medium',
      'en_US-lessac-high',
    ]);
    expect(of('am_adam')).toBe('en_US-ryan-high');
    expect(of('bm_george')).toBe('en_GB-alan-low');
    expect(of('bf_emma')).toBe('en_GB-alan-low');
    expect(
      voices
        .list()
        .map((v) => v.id)
        .slice(7),
    ).toEqual([
      'en_US-amy-medium',
      'en_US-lessac-high',
      'en_US-ryan-high',
      'en_GB-alan-low',
      'de_DE-thorsten-medium',
    ]);
    expect(voices.list().find((v) => v.id === 'de_DE-thorsten-medium')).toMatchObject({
      name: 'Thorsten (medium)',
      gender: 'unknown',
      accent: 'de_DE',
    });
  });
});
