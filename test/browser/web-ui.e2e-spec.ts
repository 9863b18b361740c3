import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserContext, Locator, Page } from 'playwright-core';
import { parseWavHeader } from '../../src/audio/engine/wav';
import { audioDuration, launchChromium, until } from '../support/chromium';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The web page driven by Debian's Chromium (playwright-core, no browser download) against
 * the real server on a temporary DATA_DIR: write a story, generate its voice, watch the
 * progress, listen; plus a segment that really fails, the lock toggle, one segment's
 * generation, the settings, a lost connection, deletion and a 360 px wide screen.
 *
 * Screenshots go to test-output/ (git-ignored). `DOCS_SCREENSHOT=1` also refreshes
 * docs/screenshot.png, the README's picture.
 */

const REPO_ROOT = join(__dirname, '..', '..');
const OUTPUT_DIR = join(REPO_ROOT, 'test-output');

const STORY = [
  'The lighthouse keeper counted the ships.',
  'One night, a small boat with no lights\ndrifted towards the rocks.',
  'He rang the bell until the sailors saw the shore.',
].join('\n\n');

const textOf = (locator: Locator) => () => locator.innerText();

/** What the label check reads of a form control (the root tsconfig has no DOM types). */
interface FormControl {
  labels?: ArrayLike<unknown> | null;
  textContent: string | null;
  outerHTML: string;
  getAttribute(name: string): string | null;
}

describe('web page in Chromium (e2e)', () => {
  let server: TestApp;
  let baseUrl: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let projectId: string;
  let segmentIds: string[];

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    server = await startTestApp({ engine: 'real' });
    await server.app.listen(0, '127.0.0.1');
    baseUrl = await server.app.getUrl();
    browser = await launchChromium();
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  const segmentItem = (index: number): Locator => page.locator('li.segment').nth(index);
  const progressText = (): Locator => page.locator('#progress-text');

  it('serves the page at / with its script and style, and every control is labelled', async () => {
    const response = await page.goto(`${baseUrl}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    await until(
      () => page.locator('#boot-message').count(),
      (n) => expect(n).toBe(0),
    );
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    // Voices come from the API (StoryFlow's seven first, then the engine's own), in its order;
    // the saved voice is selected.
    const offered = (await (await fetch(`${baseUrl}/api/settings/voices/`)).json()) as {
      id: string;
    }[];
    expect(offered.length).toBeGreaterThan(7);
    const voice = page.getByLabel('Voice', { exact: true });
    await until(
      () => voice.locator('option').count(),
      (n) => expect(n).toBe(offered.length),
    );
    const values = await voice
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(values).toEqual(offered.map((v) => v.id));
    expect(await voice.inputValue()).toBe('af_bella');

    // Function-form evaluation only: the page's CSP forbids evaluating strings.
    const unlabelled = await page
      .locator('input, select, textarea, button')
      .evaluateAll((controls: FormControl[]) =>
        controls
          .filter(
            (c) => !c.labels?.length && !c.getAttribute('aria-label') && !c.textContent?.trim(),
          )
          .map((c) => c.outerHTML),
      );
    expect(unlabelled).toEqual([]);
    // The page's sources are not public, and the API keeps its JSON 404.
    const source = await page.request.get(`${baseUrl}/app.ts`);
    expect(source.status()).toBe(404);
    expect(await source.json()).toEqual({ error: expect.any(String) });
  });

  it('creates a project from pasted paragraphs, one segment per paragraph', async () => {
    await page.getByLabel('Title').fill('The lighthouse');
    await page.getByLabel('Story').fill(STORY);
    await page.getByRole('button', { name: 'Create project' }).press('Enter');

    await page.waitForURL(/#\/projects\/[0-9a-f-]{36}$/);
    projectId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
    await page.getByRole('heading', { name: 'The lighthouse' }).waitFor();
    await until(
      () => page.locator('li.segment').count(),
      (n) => expect(n).toBe(3),
    );
    expect(await segmentItem(1).locator('.segment-text').innerText()).toBe(
      'One night, a small boat with no lights drifted towards the rocks.',
    );
    segmentIds = await page
      .locator('li.segment')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-segment-id') ?? ''));
    expect(segmentIds).toHaveLength(3);
  });

  it('generates all audio: the bar reaches 100 %, players load, a failing segment shows its error', async () => {
    // A directory where segment 2's WAV must be renamed to makes that segment fail for real.
    const blocked = join(
      server.dataDir,
      'media',
      'projects',
      projectId,
      'audio',
      `${segmentIds[1]}.wav`,
    );
    mkdirSync(blocked, { recursive: true });
    await page.getByRole('button', { name: 'Generate all audio' }).click();
    await page.locator('#progress-panel').waitFor({ state: 'visible' });

    // Watch the bar (sampled far faster than the page's 2 s polls) until it reaches 100 %.
    const seen: { value: number; text: string }[] = [];
    const bar = page.locator('#progress-bar');
    await until(
      async () => {
        const sample = {
          value: await bar.evaluate((element) => (element as unknown as { value: number }).value),
          text: await progressText().innerText(),
        };
        const last = seen[seen.length - 1];
        if (!last || last.value !== sample.value || last.text !== sample.text) seen.push(sample);
        return sample;
      },
      (sample) => expect(sample.value).toBe(100),
      60_000,
    );
    expect(seen[seen.length - 1]).toEqual({
      value: 100,
      text: 'Done: 2 of 3 segments generated, 1 failed.',
    });
    expect(seen[0].text).toMatch(/^(Waiting to start: 3 segments|Generating segment \d of 3)/);
    // The bar never goes backwards.
    const values = seen.map((sample) => sample.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));

    for (const index of [0, 2]) {
      const audio = segmentItem(index).locator('audio');
      // The player came from the task's completed_segments (cache-busted with the task id).
      expect(await audio.getAttribute('src')).toMatch(
        new RegExp(
          `^${baseUrl}/media/projects/${projectId}/audio/${segmentIds[index]}\\.wav\\?v=tts_batch_`,
        ),
      );
      expect(await audio.getAttribute('aria-label')).toBe(`Narration of segment ${index + 1}`);
      // Chromium plays the samples and skips the chunk of word boundaries after them.
      const wav = parseWavHeader(
        readFileSync(
          join(server.dataDir, 'media', 'projects', projectId, 'audio', `${segmentIds[index]}.wav`),
        ),
      );
      expect(await audioDuration(audio)).toBeCloseTo(wav.durationSeconds, 2);
      expect(await segmentItem(index).locator('.segment-error').textContent()).toBe('');
    }
    expect(await segmentItem(1).locator('audio').count()).toBe(0);
    expect(await segmentItem(1).locator('.segment-error').innerText()).toMatch(/^Audio failed: .+/);
    expect(await segmentItem(1).getAttribute('class')).toContain('has-error');

    await page.screenshot({ path: join(OUTPUT_DIR, 'web-ui-generated.png'), fullPage: true });
    rmSync(blocked, { recursive: true, force: true });
  }, 90_000);

  it('locks a segment through the API, and a locked segment cannot be generated', async () => {
    const lock = page.getByRole('checkbox', { name: 'Lock segment 3' });
    await lock.check();
    await segmentItem(2).locator('.badge').waitFor({ state: 'visible' });
    const generate = page.getByRole('button', { name: 'Generate audio for segment 3' });
    await until(
      () => generate.isDisabled(),
      (disabled) => expect(disabled).toBe(true),
    );

    const stored = await server.app.inject({
      method: 'GET',
      url: `/api/segments/${segmentIds[2]}/`,
    });
    expect(stored.json()).toMatchObject({ is_locked: true });
    await page.reload();
    await until(
      () => lock.isChecked(),
      (checked) => expect(checked).toBe(true),
    );

    await lock.uncheck();
    await until(
      () => generate.isEnabled(),
      (enabled) => expect(enabled).toBe(true),
    );
    const unlocked = await server.app.inject({
      method: 'GET',
      url: `/api/segments/${segmentIds[2]}/`,
    });
    expect(unlocked.json()).toMatchObject({ is_locked: false });
  });

  it('regenerates one segment: its error goes away and its player appears', async () => {
    await page.getByRole('button', { name: 'Generate audio for segment 2' }).click();
    const audio = segmentItem(1).locator('audio');
    await audio.waitFor({ state: 'attached', timeout: 30_000 });
    expect(await audioDuration(audio)).toBeGreaterThan(0);
    expect(await segmentItem(1).locator('.segment-error').textContent()).toBe('');
    await until(textOf(progressText()), (t) => expect(t).toBe('Done: 1 of 1 segment generated.'));
    await until(textOf(page.locator('#project-summary')), (t) =>
      expect(t).toBe('3 segments, 3 with audio.'),
    );

    await page.screenshot({ path: join(OUTPUT_DIR, 'web-ui-project.png'), fullPage: true });
    if (process.env.DOCS_SCREENSHOT === '1') {
      copyFileSync(
        join(OUTPUT_DIR, 'web-ui-project.png'),
        join(REPO_ROOT, 'docs', 'screenshot.png'),
      );
    }
  }, 60_000);

  it('saves the voice and the speed (keyboard only)', async () => {
    await page.getByLabel('Voice', { exact: true }).selectOption('bm_george');
    const speed = page.getByLabel('Speed');
    await speed.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    expect(await page.locator('#speed-output').innerText()).toBe('1.5×');
    await page.getByRole('button', { name: 'Save settings' }).focus();
    await page.keyboard.press('Enter');
    await until(textOf(page.locator('#settings-status')), (t) =>
      expect(t).toMatch(/^Saved: George at 1\.5×/),
    );

    const settings = await server.app.inject({ method: 'GET', url: '/api/settings/' });
    expect(settings.json()).toMatchObject({ default_voice_id: 'bm_george', tts_speed: 1.5 });
  });

  it('says "lost connection" after 3 failed polls in a row', async () => {
    await page.route('**/api/tasks/**', (route) => route.abort('connectionrefused'));
    try {
      await page.getByLabel('Also regenerate segments that already have audio').check();
      const accepted = page.waitForResponse((r) => r.url().includes('/generate-all-audio'));
      await page.getByRole('button', { name: 'Generate all audio' }).click();
      const { task_id: taskId } = (await (await accepted).json()) as { task_id: string };

      await until(
        textOf(page.locator('#progress-error')),
        (t) => expect(t).toMatch(/^Lost connection to the server/),
        15_000,
      );
      expect(await page.getByRole('button', { name: 'Generate all audio' }).isEnabled()).toBe(true);
      await waitForTaskEnd(taskId);
    } finally {
      await page.unroute('**/api/tasks/**');
      await page.getByLabel('Also regenerate segments that already have audio').uncheck();
    }
  }, 60_000);

  it('is readable at 360 px wide: nothing overflows sideways', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    try {
      await page.reload();
      await until(
        () => page.locator('li.segment').count(),
        (n) => expect(n).toBe(3),
      );
      const overflow = await page
        .locator('html')
        .evaluate(
          (html: { scrollWidth: number; clientWidth: number }) =>
            html.scrollWidth - html.clientWidth,
        );
      expect(overflow).toBe(0);
      await page.screenshot({ path: join(OUTPUT_DIR, 'web-ui-360.png'), fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1024, height: 900 });
    }
  });

  it("imports StoryFlow's text format (Text: lines, blocks separated by ---)", async () => {
    await page.getByRole('link', { name: '← All projects' }).click();
    await page.getByLabel('Title').fill('Two blocks');
    await page
      .getByLabel('Story')
      .fill('Text: First line\ntext: continues.\nPrompt: a harbour\n---\nText: Second block.');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Two blocks' }).waitFor();
    const texts = await page.locator('li.segment .segment-text').allInnerTexts();
    expect(texts).toEqual(['First line continues.', 'Second block.']);
  });

  it('deletes the project from the list', async () => {
    await page.getByRole('link', { name: '← All projects' }).click();
    const item = page.locator('li.project-item', { hasText: 'The lighthouse' });
    await until(
      () => item.count(),
      (n) => expect(n).toBe(1),
    );
    await page.screenshot({ path: join(OUTPUT_DIR, 'web-ui-projects.png'), fullPage: true });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete project “The lighthouse”' }).click();
    await until(
      () => item.count(),
      (n) => expect(n).toBe(0),
    );
    expect(await page.locator('#app-message').innerText()).toBe('Deleted “The lighthouse”.');
    const gone = await server.app.inject({ method: 'GET', url: `/api/projects/${projectId}/` });
    expect(gone.statusCode).toBe(404);
  });

  /** Waits, on the server side, until a task is COMPLETED or FAILED. */
  async function waitForTaskEnd(taskId: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const res = await server.app.inject({ method: 'GET', url: `/api/tasks/${taskId}/status/` });
      if (['COMPLETED', 'FAILED'].includes((res.json() as { status: string }).status)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Task ${taskId} did not finish`);
  }
});
