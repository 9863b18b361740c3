import { isServableMediaPath } from './media-static.plugin';

describe('isServableMediaPath', () => {
  it.each([['/projects/p/audio/s.wav'], ['/a.WAV']])('serves %s', (path) => {
    expect(isServableMediaPath(path)).toBe(true);
  });

  it.each([
    ['/../storyflow.db'],
    ['/projects/../../storyflow.db'],
    ['/projects/./audio/s.wav'],
    ['/projects//s.wav'],
    ['/..\\storyflow.wav'],
    ['/%2e%2e/s.wav'],
    ['/a\0.wav'],
    ['/.hidden.wav'],
    ['/projects/.git/x.wav'],
    ['/storyflow.db'],
    ['/projects/p/audio/s.wav.tmp'],
    ['/projects/p/audio/'],
    ['/'],
  ])('refuses %j', (path) => {
    expect(isServableMediaPath(path)).toBe(false);
  });
});
