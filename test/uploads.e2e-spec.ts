import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { imageBytes, multipartBody } from './support/media-fixtures';
import { api, UNKNOWN_ID } from './support/story-api';
import { startTestApp, useTestApp } from './support/test-app';

const MB = 1024 * 1024;

describe('Segment images: upload-image / remove-image (e2e)', () => {
  const t = useTestApp();
  const http = t.http;

  const uploadImage = async (segmentId: string, bytes: Buffer, name = 'a.png', field = 'image') => {
    const { payload, headers } = await multipartBody(field, bytes, name);
    return t.app.inject({
      method: 'POST',
      url: `/api/segments/${segmentId}/upload-image/`,
      payload,
      headers,
    });
  };
  const imagesOf = (projectId: string) => {
    const dir = join(t.dataDir, 'media', 'projects', projectId, 'images');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('JPEG, PNG, WebP: 200 {id, image_file, message}; served; replaced; removed', async () => {
    const project = await http.importProject(['one', 'two']);
    const [segment] = project.segments;
    const urls: string[] = [];
    for (const [format, ext] of [
      ['jpeg', 'jpg'],
      ['png', 'png'],
      ['webp', 'webp'],
    ] as const) {
      // The client's name says nothing: the server names the file by what it decoded.
      const res = await uploadImage(segment.id, await imageBytes(format, 64), '../../evil.txt');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({
        id: segment.id,
        image_file: expect.stringMatching(
          new RegExp(
            `^http://localhost:80/media/projects/${project.id}/images/[0-9a-f-]{36}\\.${ext}$`,
          ),
        ),
        message: 'Image uploaded successfully',
      });
      urls.push(body.image_file);
      const served = await http.get(new URL(body.image_file).pathname);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe(`image/${format}`);
      expect(served.headers['cross-origin-resource-policy']).toBe('cross-origin');
      // The old image is gone: one file at a time.
      expect(imagesOf(project.id)).toHaveLength(1);
    }
    expect((await http.get(new URL(urls[0]).pathname)).statusCode).toBe(404);
    const detail = (await http.get(`/api/projects/${project.id}/`)).json();
    expect(detail.segments[0].image_file).toBe(urls[2]);
    expect((await http.get(`/api/segments/${segment.id}/`)).json().image_file).toBe(urls[2]);

    const removed = await http.delete(`/api/segments/${segment.id}/remove-image/`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({
      id: segment.id,
      image_file: null,
      message: 'Image removed successfully',
    });
    expect(imagesOf(project.id)).toEqual([]);
    const again = await http.delete(`/api/segments/${segment.id}/remove-image`);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ error: 'Segment has no image to remove' });
  });

  it('locked: 400 for both, nothing read or written; unknown segment: 404', async () => {
    const project = await http.importProject(['locked']);
    const [segment] = project.segments;
    await uploadImage(segment.id, await imageBytes('png'));
    await http.patch(`/api/segments/${segment.id}/`, { is_locked: true });
    const up = await uploadImage(segment.id, await imageBytes('jpeg'));
    expect(up.statusCode).toBe(400);
    expect(up.json()).toEqual({ error: 'Cannot modify a locked segment.' });
    const rm = await http.delete(`/api/segments/${segment.id}/remove-image/`);
    expect(rm.statusCode).toBe(400);
    expect(imagesOf(project.id)).toHaveLength(1);
    for (const id of [UNKNOWN_ID, 'nope']) {
      expect((await uploadImage(id, await imageBytes('png'))).json()).toEqual({
        error: 'Segment not found',
      });
      expect((await http.delete(`/api/segments/${id}/remove-image/`)).statusCode).toBe(404);
    }
  });

  it('not an image, a cut one, a GIF, no file, a JSON body: 400 keyed "image", nothing stored', async () => {
    const project = await http.importProject(['x']);
    const [segment] = project.segments;
    const png = await imageBytes('png', 64);
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    const refusal = 'Upload a valid image: JPEG, PNG or WebP.';
    for (const [bytes, field, reason] of [
      [Buffer.from('%PDF-1.4 not an image'), 'image', refusal],
      [png.subarray(0, png.length / 2), 'image', refusal],
      [gif, 'image', refusal],
      [png, 'file', 'No file was submitted.'],
    ] as const) {
      const res = await uploadImage(segment.id, bytes, 'x.png', field);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Invalid upload', details: { image: [reason] } });
    }
    const json = await http.post(`/api/segments/${segment.id}/upload-image/`, { image: 'x' });
    expect(json.statusCode).toBe(400);
    expect(Object.keys(json.json().details)).toEqual(['image']);
    expect(imagesOf(project.id)).toEqual([]);
    expect((await http.get(`/api/segments/${segment.id}/`)).json().image_file).toBeNull();
  });

  it('deleting the segment, or the project, removes the images', async () => {
    const project = await http.importProject(['a', 'b']);
    const [a, b] = project.segments;
    await uploadImage(a.id, await imageBytes('png'));
    await uploadImage(b.id, await imageBytes('webp'));
    expect(imagesOf(project.id)).toHaveLength(2);
    expect((await http.delete(`/api/segments/${a.id}/`)).statusCode).toBe(204);
    expect(imagesOf(project.id)).toHaveLength(1);
    expect((await http.delete(`/api/projects/${project.id}/`)).statusCode).toBe(204);
    expect(existsSync(join(t.dataDir, 'media', 'projects', project.id))).toBe(false);
  });

  describe('size limit (20 MB), on a real socket', () => {
    let port: number;
    beforeAll(async () => {
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });

    /**
     * Sends a multipart upload of `fileBytes` in 256 KB chunks, stopping as soon as the
     * answer arrives; resolves with the answer and how many bytes had been sent by then.
     */
    async function streamUpload(
      segmentId: string,
      fileBytes: number,
      declareLength: boolean,
    ): Promise<{ status: number; body: string; sent: number; total: number }> {
      const boundary = 'storyflowboundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const total = head.length + fileBytes + tail.length;
      return new Promise((resolve, reject) => {
        let sent = 0;
        let answered = false;
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/segments/${segmentId}/upload-image/`,
          headers: {
            'content-type': `multipart/form-data; boundary=${boundary}`,
            ...(declareLength ? { 'content-length': String(total) } : {}),
          },
        });
        req.on('response', (res: IncomingMessage) => {
          answered = true;
          const sentWhenAnswered = sent;
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode!, body, sent: sentWhenAnswered, total }),
          );
        });
        // The server closes the connection after refusing: writes after that fail, as expected.
        // On a busy machine the client may see the closed socket before it reads the answer:
        // the server stopped reading early all the same (status 0: no answer read).
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (answered) return;
          if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
            answered = true;
            resolve({ status: 0, body: '', sent, total });
          } else reject(error);
        });
        const chunk = Buffer.alloc(256 * 1024, 7);
        const pump = () => {
          if (sent === 0) {
            sent += head.length;
            if (!req.write(head)) return req.once('drain', pump);
          }
          while (!answered && sent < head.length + fileBytes) {
            const size = Math.min(chunk.length, head.length + fileBytes - sent);
            sent += size;
            if (!req.write(chunk.subarray(0, size))) return req.once('drain', pump);
          }
          if (!answered) req.end(tail);
        };
        pump();
      });
    }

    it.each([
      ['declared by Content-Length', true],
      ['chunked, without a length', false],
    ])('an oversized body (%s) is refused before it is fully read', async (_, declared) => {
      const project = await http.importProject(['big']);
      const [segment] = project.segments;
      const result = await streamUpload(segment.id, 60 * MB, declared);
      if (result.status !== 0) {
        expect(result.status).toBe(400);
        expect(JSON.parse(result.body)).toEqual({
          error: 'Invalid upload',
          details: { image: ['File too large: at most 20 MB.'] },
        });
      }
      // The answer came while the client was still sending: the rest was never read.
      expect(result.sent).toBeLessThan(result.total);
      if (declared) expect(result.sent).toBeLessThan(20 * MB);
      expect(imagesOf(project.id)).toEqual([]);
      // The server is fine afterwards.
      expect((await http.get(`/api/segments/${segment.id}/`)).json().image_file).toBeNull();
    });
  });
});

describe('uploads a crash cut short (e2e, a restart on the same data folder)', () => {
  it('the start sweeps their temporary files, and nothing else', async () => {
    const first = await startTestApp();
    const project = await api(first.app).importProject(['One.'], 'Crash');
    const [segment] = project.segments;
    const { payload, headers } = await multipartBody('image', await imageBytes('png', 64), 'a.png');
    const uploaded = await first.app.inject({
      method: 'POST',
      url: `/api/segments/${segment.id}/upload-image/`,
      payload,
      headers,
    });
    expect(uploaded.statusCode).toBe(200);
    await first.close({ keepData: true });

    const media = join(first.dataDir, 'media');
    const images = join(media, 'projects', project.id, 'images');
    const [image] = readdirSync(images);
    const planted = [
      join(images, `${randomUUID()}.tmp-1a2b3c4d`),
      join(media, 'logos', `${randomUUID()}.tmp-5e6f7a8b`),
      join(media, 'fonts', `${randomUUID()}.tmp-9c0d1e2f`),
    ];
    for (const path of planted) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, 'half an upload');
    }

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      // The sweep runs in the background once the app has started: wait for it.
      const deadline = Date.now() + 30_000;
      while (planted.some((path) => existsSync(path)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(planted.filter((path) => existsSync(path))).toEqual([]);
      expect(readdirSync(images)).toEqual([image]);
      const served = await second.app.inject({
        method: 'GET',
        url: `/media/projects/${project.id}/images/${image}`,
      });
      expect(served.statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});
