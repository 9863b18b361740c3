import type { Page } from 'playwright-core';
import { audioDuration, launchChromium, until } from '../support/chromium';
import { TtsEngine } from '../../src/audio/engine/tts.engine';
import { configuredEngine, GatedEngine } from '../support/engines';
import { api } from '../support/story-api';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The web page picks a running generation up again: after a reload mid-way, and in a second
 * tab opened on the same project, the progress continues where it is and reaches "Done" with
 * every player loaded. The page's first load logs no console error.
 */
describe('web page: resume after a reload, two tabs (e2e, Chromium)', () => {
  let server: TestApp;
  let gate: GatedEngine;
  let baseUrl: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // The real engine, held after 3 segments until the test has reloaded and opened a second
    // tab: mid-way is seen however fast the machine synthesizes (a batch of long texts once
    // finished between two of the page's 2 s polls on a fast machine).
    gate = new GatedEngine(configuredEngine(1), 3);
    server = await startTestApp({
      env: { TTS_WORKERS: '1' },
      engine: 'real',
      overrides: [{ provide: TtsEngine, useValue: gate }],
    });
    await server.app.listen(0, '127.0.0.1');
    baseUrl = await server.app.getUrl();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const watch = (page: Page): Page => {
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
    return page;
  };

  /** The progress bar's value and sentence. */
  const progressOf = async (page: Page) => ({
    value: await page
      .locator('#progress-bar')
      .evaluate((element) => (element as unknown as { value: number }).value),
    text: await page.locator('#progress-text').innerText(),
  });

  it('the first load logs no console error (no favicon 404 either)', async () => {
    const page = watch(browser.context.pages()[0] ?? (await browser.context.newPage()));
    await page.goto(`${baseUrl}/`);
    await page.locator('#projects-view').waitFor({ state: 'visible' });
    await page.waitForLoadState('networkidle');
    expect(consoleErrors).toEqual([]);
  });

  it('a reload mid-way, and a second tab, pick the progress up and reach "Done"', async () => {
    const sentence = 'The keeper climbed the stairs and lit the great lamp above the sea. ';
    const texts = Array.from({ length: 10 }, (_, i) => `${i + 1}. ${sentence.repeat(2)}`);
    const project = await api(server.app).importProject(texts, 'A long night');
    const page = watch(browser.context.pages()[0]);
    await page.goto(`${baseUrl}/#/projects/${project.id}`);
    // The project is loaded (and the button acts on it) once its segments are listed.
    await until(
      () => page.locator('li.segment').count(),
      (n) => expect(n).toBe(10),
    );
    await page.getByRole('button', { name: 'Generate all audio' }).click();
    await page.locator('#progress-panel').waitFor({ state: 'visible' });
    // Mid-way: the batch is held after 3 segments, so the page shows a later one in progress.
    await until(
      () => progressOf(page),
      (p) => expect(p.text).toMatch(/^Generating segment ([4-9]|10) of 10/),
      90_000,
    );
    const before = await progressOf(page);

    await page.reload();
    await page.locator('#progress-panel').waitFor({ state: 'visible' });
    // Right away (from the task list), not from zero.
    const resumed = await progressOf(page);
    expect(resumed.value).toBeGreaterThanOrEqual(before.value);
    expect(resumed.text).toMatch(/^Generating segment \d+ of 10/);

    const second = watch(await browser.context.newPage());
    await second.goto(`${baseUrl}/#/projects/${project.id}`);
    await second.locator('#progress-panel').waitFor({ state: 'visible' });
    expect((await progressOf(second)).text).toMatch(/^Generating segment \d+ of 10/);
    gate.release();

    for (const tab of [page, second]) {
      await until(
        () => progressOf(tab),
        (p) => expect(p).toEqual({ value: 100, text: 'Done: 10 of 10 segments generated.' }),
        180_000,
      );
      const players = tab.locator('li.segment audio');
      await until(
        () => players.count(),
        (n) => expect(n).toBe(10),
      );
      for (let i = 0; i < 10; i += 1) {
        expect(await audioDuration(players.nth(i))).toBeGreaterThan(1);
      }
    }
    await second.close();
    expect(consoleErrors).toEqual([]);
  }, 420_000);
});
