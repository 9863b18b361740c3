import { readFileSync } from 'node:fs';
import { NodeCue, parseSync } from 'subtitle';
import type { Page } from 'playwright-core';
import { parseWavHeader } from '../../src/audio/engine/wav';
import { launchChromium, until } from '../support/chromium';
import { api, ProjectDetailJson } from '../support/story-api';
import { taskFinished } from '../support/tasks';
import { startTestApp, type TestApp } from '../support/test-app';

const STORY = [
  'The keeper lit the lamp.',
  'A boat came out of the fog. It found the harbour.',
  'In the morning, the sailors said thank you.',
];

/**
 * The web page's whole-story controls in Debian's Chromium against the real server and
 * engine: "Download narration" and "Download subtitles" download the server's files (the WAV
 * byte for byte), the MP3 decodes in the browser to the WAV's duration, and "Play all" plays
 * the segments one after the other.
 */
describe('web page: whole-story narration in Chromium (e2e)', () => {
  let server: TestApp;
  let baseUrl: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let project: ProjectDetailJson;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestApp({ engine: 'real' });
    await server.app.listen(0, '127.0.0.1');
    baseUrl = await server.app.getUrl();
    const http = api(server.app);
    project = await http.importProject(STORY, 'Harbour');
    const accepted = await http.post(`/api/projects/${project.id}/generate-all-audio/`, {});
    expect((await taskFinished(server.app, accepted.json().task_id)).status).toBe('COMPLETED');
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(() => expect(pageErrors).toEqual([]));

  it('offers the downloads only once every segment has audio', async () => {
    const pending = await api(server.app).importProject(['Not spoken yet.', 'Nor this.'], 'Quiet');
    await page.goto(`${baseUrl}/#/projects/${pending.id}`);
    // Without an href it is no link: shown, marked disabled, leading nowhere.
    const link = page.locator('#download-narration');
    await until(
      () => page.locator('#narration-help').innerText(),
      (text) => expect(text).toMatch(/no audio yet/),
    );
    expect(await link.innerText()).toBe('Download narration');
    expect(await link.getAttribute('aria-disabled')).toBe('true');
    expect(await link.getAttribute('href')).toBeNull();
    expect(await page.locator('#narration-help').innerText()).toBe(
      '2 segments have no audio yet: generate all audio to download the whole story.',
    );
    expect(await page.getByRole('button', { name: 'Play all' }).isDisabled()).toBe(true);
  });

  it('"Download narration" downloads the whole-story WAV, byte for byte', async () => {
    await page.goto(`${baseUrl}/#/projects/${project.id}`);
    const link = page.getByRole('link', { name: 'Download narration', exact: true });
    await until(
      () => link.getAttribute('aria-disabled'),
      (value) => expect(value).toBeNull(),
    );
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('narration.wav');
    const file = readFileSync((await download.path())!);
    const expected = await server.app.inject({
      method: 'GET',
      url: `/api/projects/${project.id}/narration.wav`,
    });
    expect(file.length).toBe(Number(expected.headers['content-length']));
    expect(file.equals(expected.rawPayload)).toBe(true);
    const wav = parseWavHeader(file);
    expect(wav.dataOffset + wav.dataBytes).toBe(file.length);
  });

  it('"Download subtitles" downloads sentence cues for the same narration', async () => {
    const link = page.getByRole('link', { name: 'Download subtitles' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('narration.srt');
    const cues = parseSync(readFileSync((await download.path())!, 'utf8')).filter(
      (node): node is NodeCue => node.type === 'cue',
    );
    expect(cues.map((cue) => cue.data.text)).toEqual([
      'The keeper lit the lamp.',
      'A boat came out of the fog.',
      'It found the harbour.',
      'In the morning, the sailors said thank you.',
    ]);
  });

  it('the MP3 download decodes in Chromium to the duration of the WAV', async () => {
    const link = page.getByRole('link', { name: 'Download narration as MP3' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('narration.mp3');
    const mp3Bytes = readFileSync((await download.path())!).length;
    const wav = (
      await server.app.inject({ method: 'GET', url: `/api/projects/${project.id}/narration.wav` })
    ).rawPayload;
    const wavSeconds = parseWavHeader(wav).dataBytes / 2 / parseWavHeader(wav).sampleRate;
    const href = (await link.getAttribute('href'))!;
    const decoded = await page.evaluate(async (url) => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const length = bytes.byteLength; // decodeAudioData detaches the buffer
      const context = new OfflineAudioContext(1, 1, 22050);
      const audio = await context.decodeAudioData(bytes);
      return { seconds: audio.duration, length };
    }, href);
    expect(decoded.length).toBe(mp3Bytes);
    // The encoder's delay and last frame's padding: well under a tenth of a second.
    expect(Math.abs(decoded.seconds - wavSeconds)).toBeLessThan(0.1);
    expect(mp3Bytes).toBeLessThan(wav.length / 4);
  });

  it('"Play all" plays the segments one after the other, to the end', async () => {
    await page.goto(`${baseUrl}/#/projects/${project.id}`);
    await page.locator('li.segment audio').nth(2).waitFor();
    // Every status the button writes, and which segment is marked as playing at that moment.
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: DocumentLike }).document;
      const seen: string[] = [];
      (globalThis as unknown as { seen: string[] }).seen = seen;
      const status = doc.getElementById('play-status')!;
      new MutationObserver(() => {
        const playing = doc.querySelector('li.segment.is-playing h3');
        seen.push(`${status.textContent} [${playing?.textContent ?? '-'}]`);
      }).observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Play all' }).click();
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(1);
    await until(
      () => page.locator('#play-status').innerText(),
      (text) => expect(text).toBe('Played all 3 segments.'),
      120_000,
    );
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
    expect(seen).toEqual([
      'Playing 1 of 3: Segment 1 [Segment 1]',
      'Playing 2 of 3: Segment 2 [Segment 2]',
      'Playing 3 of 3: Segment 3 [Segment 3]',
      'Played all 3 segments. [-]',
    ]);
    // Each player really reached its end.
    const ended = await page
      .locator('li.segment audio')
      .evaluateAll((players) => players.map((p) => (p as unknown as { ended: boolean }).ended));
    expect(ended).toEqual([true, true, true]);
    expect(await page.getByRole('button', { name: 'Play all' }).count()).toBe(1);
  });
});

/** The few DOM members the page functions use (the root tsconfig has no DOM types). */
interface DocumentLike {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
}
declare const MutationObserver: new (callback: () => void) => {
  observe(target: unknown, options: Record<string, boolean>): void;
};
declare const OfflineAudioContext: new (
  channels: number,
  length: number,
  rate: number,
) => { decodeAudioData(bytes: ArrayBuffer): Promise<{ duration: number }> };
