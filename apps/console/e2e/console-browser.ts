import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const SCREENSHOT_DIR = join(REPO_ROOT, '.data', 'test-results', 'console-screenshots');

/**
 * Headless Chromium from the @sparticuz/chromium package (a binary shipped in the npm package,
 * unpacked to /tmp on first use), driven by playwright-core: nothing is downloaded at test time.
 * Its arguments are meant for AWS Lambda; `--single-process` is left out because there closing
 * one browser context takes the whole browser down, and the tests open a tab per portal link.
 */
export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((arg) => arg !== '--single-process'),
    headless: true,
  });
}

/** Saves a full-page screenshot as <name>.png under .data/test-results/console-screenshots. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
