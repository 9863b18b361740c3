import {
  conditionalStatus,
  isServableMediaPath,
  requestedRange,
  validatorsOf,
} from './media-route';

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
    ['/projects/p/audio/s.words.json'],
    ['/projects/p/audio/'],
    ['/'],
  ])('refuses %j', (path) => {
    expect(isServableMediaPath(path)).toBe(false);
  });
});

describe('conditional requests and ranges on a stored file', () => {
  const modified = new Date('2026-01-02T03:04:05.678Z');
  const v = validatorsOf({ size: 1000, modified });
  const httpDate = (ms: number) => new Date(ms).toUTCString();

  it('names the file by a weak ETag of its size and time', () => {
    expect(v.etag).toBe(`W/"3e8-${modified.getTime().toString(16)}"`);
  });

  it.each([
    ['no condition', {}, 200],
    ['If-None-Match with its tag', { 'if-none-match': v.etag }, 304],
    ['If-None-Match with its tag unweakened', { 'if-none-match': v.etag.slice(2) }, 304],
    ['If-None-Match in a list', { 'if-none-match': `"other", ${v.etag}` }, 304],
    ['If-None-Match: *', { 'if-none-match': '*' }, 304],
    ['If-None-Match with another tag', { 'if-none-match': '"other"' }, 200],
    ['a reload (no-cache)', { 'if-none-match': v.etag, 'cache-control': 'no-cache' }, 200],
    ['If-Modified-Since its time', { 'if-modified-since': httpDate(modified.getTime()) }, 304],
    [
      'If-Modified-Since before it',
      { 'if-modified-since': httpDate(modified.getTime() - 2000) },
      200,
    ],
    [
      'If-Modified-Since beside a failing If-None-Match',
      { 'if-none-match': '"other"', 'if-modified-since': httpDate(modified.getTime()) },
      200,
    ],
    ['If-Match with its tag', { 'if-match': v.etag }, 200],
    ['If-Match with another tag', { 'if-match': '"other"' }, 412],
    ['If-Unmodified-Since before it', { 'if-unmodified-since': httpDate(0) }, 412],
    ['If-Unmodified-Since its time', { 'if-unmodified-since': httpDate(modified.getTime()) }, 200],
    ['an unreadable date', { 'if-modified-since': 'yesterday' }, 200],
  ])('%s: %s', (_name, headers, status) => {
    expect(conditionalStatus(headers, v)).toBe(status);
  });

  it.each([
    ['no Range', {}, undefined],
    ['one range', { range: 'bytes=0-3' }, { start: 0, end: 3 }],
    ['a suffix', { range: 'bytes=-10' }, { start: 990, end: 999 }],
    ['an open end', { range: 'bytes=990-' }, { start: 990, end: 999 }],
    ['past the end', { range: 'bytes=5000-6000' }, null],
    ['several ranges: the whole file', { range: 'bytes=0-1,5-6' }, undefined],
    ['a malformed header: the whole file', { range: 'bytes=x-y' }, undefined],
    ['another unit: the whole file', { range: 'items=0-1' }, undefined],
    ['If-Range with its tag', { range: 'bytes=0-3', 'if-range': v.etag }, { start: 0, end: 3 }],
    [
      'If-Range with an old tag: the whole file',
      { range: 'bytes=0-3', 'if-range': '"old"' },
      undefined,
    ],
    [
      'If-Range with its date',
      { range: 'bytes=0-3', 'if-range': httpDate(modified.getTime()) },
      { start: 0, end: 3 },
    ],
    [
      'If-Range with an older date: the whole file',
      { range: 'bytes=0-3', 'if-range': httpDate(0) },
      undefined,
    ],
  ])('%s', (_name, headers, range) => {
    expect(requestedRange(headers, 1000, v)).toEqual(range);
  });
});
