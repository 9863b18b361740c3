import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Locator } from 'playwright-core';

/** Debian's Chromium (playwright-core downloads no browser). */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  // The voice preview is played without a click.
  '--autoplay-policy=no-user-gesture-required',
];

/** A headless Chromium with a throwaway profile; `close()` removes the profile too. */
export async function launchChromium(
  viewport = { width: 1024, height: 900 },
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: the browser tests need Debian's chromium package ` +
        '(apt-get install chromium). They fail rather than skip so CI cannot pass without it.',
    );
  }
  const profileDir = mkdtempSync(join(tmpdir(), 'storyflow-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport,
  });
  context.setDefaultTimeout(20_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * Reads a value until the assertion holds (playwright-core has no web-first `expect`):
 * retried on every 50 ms tick, the last assertion error thrown after `timeoutMs`.
 */
export async function until<T>(
  read: () => Promise<T>,
  assertion: (value: T) => void,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion(await read());
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves with the player's duration once its metadata has loaded (rejects on a media error). */
export function audioDuration(audio: Locator): Promise<number> {
  return audio.evaluate((node) => {
    const element = node as unknown as {
      readyState: number;
      duration: number;
      error: { code: number } | null;
      addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
    };
    return new Promise<number>((resolve, reject) => {
      if (element.readyState >= 1) return resolve(element.duration);
      element.addEventListener('loadedmetadata', () => resolve(element.duration), { once: true });
      element.addEventListener(
        'error',
        () => reject(new Error(`media error ${element.error?.code ?? '?'}`)),
        { once: true },
      );
    });
  });
}
