import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { imageBytes, otfBytes } from '../support/media-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * StoryFlow's frontend calls this service from another origin; only a browser enforces CORS.
 * A small test page is served from a second origin (another port, listed in CORS_ORIGINS)
 * and from a third one (not listed), and Chromium makes StoryFlow's calls from each: JSON
 * bodies with every method, FormData uploads, and the voice preview played in an `<audio>`.
 */

/** A page with nothing but a title: the test drives `fetch` from its origin. */
const TEST_PAGE = '<!doctype html><html><head><title>origin</title></head><body></body></html>';

function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/favicon.ico') return void response.writeHead(204).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(TEST_PAGE);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

/** What one call from the page gave: the status, or the browser's refusal. */
interface CallResult {
  ok: boolean;
  status?: number;
  body?: unknown;
  blocked?: string;
}

describe('StoryFlow-style calls from another origin, in Chromium (e2e)', () => {
  let app: TestApp;
  let api: string;
  let listed: { server: Server; origin: string };
  let unlisted: { server: Server; origin: string };
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    listed = await servePage();
    unlisted = await servePage();
    app = await startTestApp({
      env: { CORS_ORIGINS: `http://localhost:3000,${listed.origin}` },
      engine: 'real',
    });
    await app.app.listen(0, '127.0.0.1');
    api = await app.app.getUrl();
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    listed?.server.close();
    unlisted?.server.close();
  });

  /** `fetch` from the page, as axios would send it (JSON or FormData body). */
  const call = (method: string, path: string, body?: unknown): Promise<CallResult> =>
    page.evaluate(
      async ({ api, method, path, body }) => {
        try {
          const res = await fetch(`${api}${path}`, {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          return { ok: res.ok, status: res.status, body: text ? JSON.parse(text) : null };
        } catch (error) {
          return { ok: false, blocked: String(error) };
        }
      },
      { api, method, path, body },
    );

  /** A FormData upload of bytes made in Node (base64 across the bridge). */
  const upload = (path: string, field: string, bytes: Buffer, filename: string, type: string) =>
    page.evaluate(
      async ({ api, path, field, base64, filename, type }) => {
        const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const form = new FormData();
        form.append(field, new File([raw], filename, { type }));
        try {
          const res = await fetch(`${api}${path}`, { method: 'POST', body: form });
          return { ok: res.ok, status: res.status, body: await res.json() } as CallResult;
        } catch (error) {
          return { ok: false, blocked: String(error) } as CallResult;
        }
      },
      { api, path, field, base64: bytes.toString('base64'), filename, type },
    );

  it("a listed origin: every method and route family of StoryFlow's client goes through", async () => {
    await page.goto(`${listed.origin}/`);
    const results: Record<string, CallResult> = {};
    const step = async (name: string, promise: Promise<CallResult>) => {
      results[name] = await promise;
      return results[name];
    };

    const created = await step('create project', call('POST', '/api/projects/', { title: 'X' }));
    await step('list projects', call('GET', '/api/projects/'));
    const imported = await step(
      'import project',
      call('POST', '/api/projects/import/', {
        format: 'json',
        title: 'Cross-origin story',
        segments: [
          { text_content: 'The first line.' },
          { text_content: 'The second line.' },
          { text_content: 'The third line.' },
        ],
      }),
    );
    const project = imported.body as { id: string; segments: { id: string }[] };
    const [first, second, third] = project.segments.map((s) => s.id);
    await step(
      'import segments',
      call('POST', `/api/projects/${project.id}/import-segments/`, {
        format: 'text',
        raw_text: 'Text: A fourth line.',
      }),
    );
    await step('get project', call('GET', `/api/projects/${project.id}/`));
    await step('list segments', call('GET', `/api/segments/?project=${project.id}`));
    await step('add segment', call('POST', '/api/segments/', { project: project.id }));
    await step(
      'PATCH text',
      call('PATCH', `/api/segments/${first}/`, { text_content: 'The first line, edited.' }),
    );
    await step('PATCH lock', call('PATCH', `/api/segments/${third}/`, { is_locked: true }));
    await step(
      'reorder',
      call('POST', '/api/segments/reorder/', {
        project_id: project.id,
        segment_order: (
          (await call('GET', `/api/projects/${project.id}/`)).body as {
            segments: { id: string }[];
          }
        ).segments
          .map((s) => s.id)
          .reverse(),
      }),
    );
    await step('GET settings', call('GET', '/api/settings/'));
    await step(
      'PATCH settings',
      call('PATCH', '/api/settings/', { tts_speed: 1.2, inter_segment_silence: 0.5 }),
    );
    await step('voices', call('GET', '/api/settings/voices/'));
    await step('one segment', call('POST', `/api/segments/${first}/generate-audio/`));
    const batch = await step(
      'generate all',
      call('POST', `/api/projects/${project.id}/generate-all-audio/`, {
        skip_locked: true,
        force_regenerate: true,
      }),
    );
    // The batch may 409 behind the single-segment task; then wait for that one and retry.
    let taskId = (batch.body as { task_id?: string }).task_id;
    let status: CallResult;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (!taskId) {
        const retry = await call('POST', `/api/projects/${project.id}/generate-all-audio/`, {});
        taskId = (retry.body as { task_id?: string; details?: { task_id?: string } }).task_id;
        if (!taskId) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
      }
      status = await call('GET', `/api/tasks/${taskId}/status/`);
      const state = (status.body as { status: string }).status;
      if (state === 'COMPLETED' || state === 'FAILED') break;
      if (Date.now() > deadline) throw new Error(`task ${taskId} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    results['poll'] = status;
    expect((status.body as { status: string }).status).toBe('COMPLETED');
    results['generate all'] = { ...batch, ok: true };
    await step('remove audio', call('DELETE', `/api/segments/${second}/remove-audio/`));
    await step('DELETE segment', call('DELETE', `/api/segments/${first}/`));
    await step('video route', call('POST', `/api/projects/${project.id}/render/`));
    await step('DELETE project', call('DELETE', `/api/projects/${project.id}/`));
    await step(
      'DELETE the other project',
      call('DELETE', `/api/projects/${(created.body as { id: string }).id}/`),
    );

    const failed = Object.entries(results).filter(
      ([name, r]) => r.blocked !== undefined || (!r.ok && name !== 'video route'),
    );
    expect(failed).toEqual([]);
    expect(results['video route']).toEqual({
      ok: false,
      status: 501,
      body: { error: 'Video rendering is not part of this service' },
    });
    expect((results['import segments'].body as unknown[]).length).toBe(4);
    expect((results['PATCH settings'].body as Record<string, unknown>).inter_segment_silence).toBe(
      0.5,
    );
    expect((await call('GET', `/api/projects/${project.id}/`)).status).toBe(404);
  });

  it('a listed origin: FormData uploads of an image, a logo and a font; their files load', async () => {
    await page.goto(`${listed.origin}/`);
    const project = (
      await call('POST', '/api/projects/import/', {
        format: 'json',
        title: 'Pictures',
        segments: [{ text_content: 'A picture.' }],
      })
    ).body as { id: string; segments: { id: string }[] };
    const segmentId = project.segments[0].id;

    const image = await upload(
      `/api/segments/${segmentId}/upload-image/`,
      'image',
      await imageBytes('jpeg', 48),
      'photo.jpg',
      'image/jpeg',
    );
    expect(image).toMatchObject({ ok: true, status: 200, body: { id: segmentId } });
    const logo = await upload(
      '/api/settings/logos/',
      'file',
      await imageBytes('png', 32),
      'studio.png',
      'image/png',
    );
    expect(logo).toMatchObject({ ok: true, status: 201, body: { name: 'studio' } });
    const font = await upload(
      '/api/settings/font/upload/',
      'font',
      otfBytes('Cross Origin Sans'),
      'CrossOrigin.otf',
      'font/otf',
    );
    expect(font).toMatchObject({
      ok: true,
      status: 200,
      body: { subtitle_font_family: 'CrossOrigin' },
    });

    // The files themselves, as StoryFlow's page uses them: <img> and a web font.
    const loaded = await page.evaluate(
      async ({ imageUrl, logoUrl, fontUrl }) => {
        const img = (src: string) =>
          new Promise<number>((resolve, reject) => {
            const element = new Image();
            element.onload = () => resolve(element.naturalWidth);
            element.onerror = () => reject(new Error(`image ${src} did not load`));
            element.src = src;
          });
        const face = new FontFace('Uploaded', `url(${fontUrl})`);
        await face.load();
        return { image: await img(imageUrl), logo: await img(logoUrl), font: face.status };
      },
      {
        imageUrl: (image.body as { image_file: string }).image_file,
        logoUrl: (logo.body as { file: string }).file,
        fontUrl: (font.body as { custom_font_file: string }).custom_font_file,
      },
    );
    expect(loaded).toEqual({ image: 48, logo: 32, font: 'loaded' });
    expect((await call('DELETE', `/api/segments/${segmentId}/remove-image/`)).status).toBe(200);
    const logoId = (logo.body as { id: string }).id;
    expect((await call('DELETE', `/api/settings/logos/${logoId}/`)).status).toBe(204);
  });

  it('a listed origin: the voice preview plays in an <audio> element', async () => {
    await page.goto(`${listed.origin}/`);
    const played = await page.evaluate(async (api) => {
      const res = await fetch(`${api}/api/settings/tts-test/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Hello from the settings page.', voice: 'bf_emma' }),
      });
      const disposition = res.headers.get('content-disposition');
      const blob = await res.blob();
      const audio = document.createElement('audio');
      document.body.append(audio);
      audio.src = URL.createObjectURL(blob);
      await new Promise((resolve, reject) => {
        audio.addEventListener('loadedmetadata', resolve, { once: true });
        audio.addEventListener('error', () => reject(new Error('media error')), { once: true });
      });
      await audio.play();
      await new Promise((resolve) => audio.addEventListener('timeupdate', resolve, { once: true }));
      return {
        status: res.status,
        type: blob.type,
        disposition,
        duration: audio.duration,
        playing: !audio.paused,
      };
    }, api);
    expect(played).toEqual({
      status: 200,
      type: 'audio/wav',
      disposition: 'inline; filename="tts_test.wav"',
      duration: expect.any(Number),
      playing: true,
    });
    expect(played.duration).toBeGreaterThan(1);
  });

  it('an origin not in CORS_ORIGINS: the browser blocks the same calls', async () => {
    // Set up from the listed origin, then try from the other one.
    await page.goto(`${listed.origin}/`);
    const project = (
      await call('POST', '/api/projects/import/', {
        format: 'json',
        title: 'Guarded',
        segments: [{ text_content: 'Safe.' }],
      })
    ).body as { id: string; segments: { id: string }[] };
    const segmentId = project.segments[0].id;

    consoleErrors.length = 0;
    await page.goto(`${unlisted.origin}/`);
    const attempts = {
      list: await call('GET', '/api/projects/'),
      create: await call('POST', '/api/projects/', { title: 'Intruder' }),
      patch: await call('PATCH', `/api/segments/${segmentId}/`, { text_content: 'Changed' }),
      settings: await call('PATCH', '/api/settings/', { tts_speed: 2 }),
      generate: await call('POST', `/api/projects/${project.id}/generate-all-audio/`, {}),
      poll: await call('GET', '/api/tasks/x/status/'),
      removeAudio: await call('DELETE', `/api/segments/${segmentId}/remove-audio/`),
      deleteSegment: await call('DELETE', `/api/segments/${segmentId}/`),
      deleteProject: await call('DELETE', `/api/projects/${project.id}/`),
      upload: await upload(
        '/api/settings/logos/',
        'file',
        await imageBytes('png'),
        'x.png',
        'image/png',
      ),
    };
    for (const [name, result] of Object.entries(attempts)) {
      expect({ name, blocked: result.blocked }).toEqual({
        name,
        blocked: 'TypeError: Failed to fetch',
      });
    }
    // Chromium says why, in the console.
    expect(consoleErrors.some((text) => /blocked by CORS policy/.test(text))).toBe(true);

    // The preflighted edits never reached the server.
    await page.goto(`${listed.origin}/`);
    const after = (await call('GET', `/api/projects/${project.id}/`)).body as {
      segments: { text_content: string }[];
    };
    expect(after.segments.map((s) => s.text_content)).toEqual(['Safe.']);
    expect(
      ((await call('GET', '/api/settings/')).body as { tts_speed: number }).tts_speed,
    ).not.toBe(2);
    await call('DELETE', `/api/projects/${project.id}/`);
  });
});
