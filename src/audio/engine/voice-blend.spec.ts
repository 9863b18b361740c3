import { formatVoiceBlend, parseVoiceBlend } from './voice-blend';

describe('parseVoiceBlend', () => {
  it('a single voice is no blend', () => {
    expect(parseVoiceBlend('af_bella')).toBeNull();
  });

  it('equal weights by default, explicit weights in parentheses', () => {
    expect(parseVoiceBlend('af_bella+af_sky')).toEqual([
      { voice: 'af_bella', weight: 1 },
      { voice: 'af_sky', weight: 1 },
    ]);
    expect(parseVoiceBlend('af_bella(2) + af_sky(0.5)')).toEqual([
      { voice: 'af_bella', weight: 2 },
      { voice: 'af_sky', weight: 0.5 },
    ]);
  });

  it.each(['af_bella+', 'af_bella(0)+af_sky', 'af_bella(-1)+af_sky', 'af bella+af_sky', 'a(x)+b'])(
    '%s is refused',
    (voice) => expect(() => parseVoiceBlend(voice)).toThrow(RangeError),
  );

  it('formats as the worker reads it', () => {
    expect(formatVoiceBlend(parseVoiceBlend('af_bella+af_sky(3)')!)).toBe('af_bella(1)+af_sky(3)');
  });
});
