import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EspeakTtsEngine } from './espeak-tts.engine';
import { DEFAULT_VOICE_ID, findVoice, VOICE_CATALOGUE } from './voice-catalogue';

describe('VOICE_CATALOGUE', () => {
  it("holds StoryFlow's seven voice ids with their gender and accent", () => {
    expect(VOICE_CATALOGUE.map(({ id, gender, accent }) => [id, gender, accent])).toEqual([
      ['af_bella', 'female', 'American'],
      ['af_sarah', 'female', 'American'],
      ['af_nicole', 'female', 'American'],
      ['am_adam', 'male', 'American'],
      ['am_michael', 'male', 'American'],
      ['bf_emma', 'female', 'British'],
      ['bm_george', 'male', 'British'],
    ]);
  });

  it('maps every voice to a distinct engine voice', () => {
    expect(new Set(VOICE_CATALOGUE.map((v) => v.engineVoice)).size).toBe(VOICE_CATALOGUE.length);
  });

  it('finds voices by id, including the default', () => {
    expect(findVoice(DEFAULT_VOICE_ID)?.id).toBe('af_bella');
    expect(findVoice('bm_george')?.engineVoice).toBe('en+m3');
    expect(findVoice('nope')).toBeUndefined();
  });

  describe('with the real engine', () => {
    let engine: EspeakTtsEngine;

    beforeAll(async () => {
      Logger.overrideLogger(['error']);
      engine = new EspeakTtsEngine({ workers: 2 });
      await engine.start();
    });

    afterAll(async () => {
      await engine.close();
      Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
    });

    it('accepts every engine voice, and each one sounds different', async () => {
      const text = 'The old lighthouse keeper watched the storm roll in.';
      // Resolves only if eSpeak's set_voice accepted the voice (the worker throws otherwise).
      const results = await Promise.all(
        VOICE_CATALOGUE.map((voice) =>
          engine.synthesize({ text, voice: voice.engineVoice, speed: 1 }),
        ),
      );
      const fingerprints = results.map(({ samples }) =>
        createHash('sha256').update(samples).digest('hex'),
      );

      results.forEach(({ samples }) => expect(samples.length).toBeGreaterThan(22050));
      expect(new Set(fingerprints).size).toBe(VOICE_CATALOGUE.length);
    });
  });
});
