import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { AudioStorage } from '../src/audio/storage/audio.storage';
import { MediaLayout } from '../src/media/media-layout';
import { useTestApp } from './support/test-app';

describe('GET /media/ (e2e)', () => {
  const t = useTestApp();
  let media: MediaLayout;
  const projectId = '11111111-1111-4111-8111-111111111111';
  const segmentId = '22222222-2222-4222-8222-222222222222';
  const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(996, 7)]);
  const url = `/media/projects/${projectId}/audio/${segmentId}.wav`;

  beforeAll(async () => {
    media = t.app.get(MediaLayout);
    const path = media.audioPath(projectId, segmentId);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, wav);
    writeFileSync(`${path}.tmp`, wav);
    writeFileSync(join(dirname(path), '.hidden.wav'), wav);
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: path, headers });

  it('lays files out as the contract says', () => {
    expect(media.mediaRoot).toBe(join(t.dataDir, 'media'));
    expect(media.audioPath(projectId, segmentId)).toBe(
      join(t.dataDir, 'media', 'projects', projectId, 'audio', `${segmentId}.wav`),
    );
    expect(media.audioUrlPath(projectId, segmentId)).toBe(url);
    expect(() => media.audioPath('../x', segmentId)).toThrow(/Unsafe id/);
  });

  it('serves a WAV with 200, audio/wav, its bytes and range support', async () => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-length']).toBe('1000');
    expect(res.rawPayload.equals(wav)).toBe(true);
  });

  it('answers a Range request with 206 and the slice', async () => {
    const res = await get(url, { range: 'bytes=0-3' });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 0-3/1000');
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.rawPayload.toString()).toBe('RIFF');
    const tail = await get(url, { range: 'bytes=-10' });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload).toHaveLength(10);
  });

  it('an unsatisfiable range is a 416 JSON error', async () => {
    const res = await get(url, { range: 'bytes=5000-6000' });
    expect(res.statusCode).toBe(416);
    expect(res.json()).toEqual({ error: 'Requested range not satisfiable' });
    expect(res.headers['content-range']).toBe('bytes */1000');
  });

  it('HEAD gives the headers without a body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.body).toBe('');
  });

  it('reads the WAV through the AudioStorage port', async () => {
    const open = jest.spyOn(t.app.get(AudioStorage), 'open');
    try {
      expect((await get(url)).statusCode).toBe(200);
      expect(open).toHaveBeenCalledWith(projectId, segmentId);
    } finally {
      open.mockRestore();
    }
  });

  it('states its validators and answers conditional requests', async () => {
    const res = await get(url);
    expect(res.headers.etag).toMatch(/^W\/"3e8-[0-9a-f]+"$/);
    expect(Date.parse(String(res.headers['last-modified']))).not.toBeNaN();
    expect(res.headers['cache-control']).toBe('public, max-age=0');
    const etag = String(res.headers.etag);
    const same = await get(url, { 'if-none-match': etag });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    const since = await get(url, { 'if-modified-since': String(res.headers['last-modified']) });
    expect(since.statusCode).toBe(304);
    expect((await get(url, { 'if-none-match': '"other"' })).statusCode).toBe(200);
    const failed = await get(url, { 'if-match': '"other"' });
    expect(failed.statusCode).toBe(412);
    expect(failed.json()).toEqual({ error: 'Precondition failed' });
    const stale = await get(url, { range: 'bytes=0-3', 'if-range': '"old"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(wav)).toBe(true);
    const current = await get(url, { range: 'bytes=0-3', 'if-range': etag });
    expect(current.statusCode).toBe(206);
  });

  it('HEAD of a range gives its length, without a body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url, headers: { range: 'bytes=10-19' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-length']).toBe('10');
    expect(res.headers['content-range']).toBe('bytes 10-19/1000');
    expect(res.body).toBe('');
  });

  it('serves the uploads beside the audio, with their types', async () => {
    const logo = media.uploadMediaPath('logo', '55555555-5555-4555-8555-555555555555.png');
    mkdirSync(dirname(media.pathOf(logo)), { recursive: true });
    writeFileSync(media.pathOf(logo), 'PNG-bytes');
    const res = await get(media.urlPathOf(logo));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.body).toBe('PNG-bytes');
  });

  it("never serves a segment's word boundaries", async () => {
    writeFileSync(media.audioWordsPath(projectId, segmentId), '{}');
    const res = await get(url.replace(/\.wav$/, '.words.json'));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Not found' });
  });

  it.each([
    ['/media/../storyflow.db'],
    ['/media/%2e%2e/storyflow.db'],
    ['/media/..%2fstoryflow.db'],
    ['/media/%252e%252e%252fstoryflow.db'],
    ['/media/..\\storyflow.db'],
    ['/media/..%5cstoryflow.db'],
    ['/media/%2e%2e%2f%2e%2e%2fstoryflow.db'],
    ['/media/projects/../../storyflow.db'],
    ['/media/projects/%2e%2e/%2e%2e/storyflow.db'],
    ['/media//storyflow.db'],
    ['/media/storyflow.db'],
    ['/media/%00../storyflow.db'],
  ])('%s never serves the database: 404 JSON', async (path) => {
    const res = await get(path);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: 'Not found' });
    expect(res.body).not.toContain('SQLite');
  });

  it.each([
    ['the media root', '/media/'],
    ['the prefix without slash', '/media'],
    ['a directory', `/media/projects/${projectId}/audio/`],
    ['a directory without slash', `/media/projects/${projectId}`],
    ['a missing file', `/media/projects/${projectId}/audio/missing.wav`],
    ['a temporary file', `${url}.tmp`],
    ['a hidden file', `/media/projects/${projectId}/audio/.hidden.wav`],
  ])('%s: 404 JSON, no listing', async (_name, path) => {
    const res = await get(path);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Not found' });
  });

  it('only GET and HEAD', async () => {
    const res = await t.app.inject({ method: 'DELETE', url });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

/**
 * `inject()` normalizes `..` and `.` before the server sees them; a real socket sends the
 * path byte for byte, as a hostile client would.
 */
describe('GET /media/ over a real socket (e2e)', () => {
  const t = useTestApp();
  let port: number;
  let wavUrl: string;

  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    const media = t.app.get(MediaLayout);
    const pid = '33333333-3333-4333-8333-333333333333';
    const sid = '44444444-4444-4444-8444-444444444444';
    mkdirSync(dirname(media.audioPath(pid, sid)), { recursive: true });
    writeFileSync(media.audioPath(pid, sid), 'RIFF');
    wavUrl = media.audioUrlPath(pid, sid);
  });

  const raw = (path: string) =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  it('serves a WAV', async () => {
    expect(await raw(wavUrl)).toEqual({ status: 200, type: 'audio/wav', body: 'RIFF' });
  });

  it.each([
    ['/media/../storyflow.db'],
    ['/media/%2e%2e/storyflow.db'],
    ['/media/..%2fstoryflow.db'],
    ['/media/%252e%252e%252fstoryflow.db'],
    ['/media/..\\storyflow.db'],
    ['/media/projects/../../storyflow.db'],
    ['/media/./../storyflow.db'],
    ['/media/projects/%2e%2e/%2e%2e/storyflow.db'],
    ['/media//storyflow.db'],
  ])('%s: 404 JSON, never the database', async (path) => {
    const res = await raw(path);
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ error: 'Not found' });
  });

  it('a non-canonical path to a real file is refused too', async () => {
    const res = await raw(wavUrl.replace('/audio/', '/./audio/'));
    expect(res.status).toBe(404);
  });
});
