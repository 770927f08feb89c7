/**
 * A real browser for UI tests: Debian's Chromium driven by playwright-core, against a web shell on a real
 * service and store in a temporary folder. Screenshots go to test-artifacts/screenshots/ (kept by CI).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { StudioService } from '../../app/api/service.js';
import { RENDERER_BUILD_FOLDER } from '../../main/web/serveCommand.js';
import { startWebShell, type WebShell } from '../../main/web/webShell.js';
import { repoRoot } from './paths.js';
import { temporaryFolder } from './runs.js';

export const CHROMIUM_PATH = process.env.FSAM_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_FOLDER = join(repoRoot, 'test-artifacts', 'screenshots');

export interface Studio {
  service: StudioService;
  shell: WebShell;
  browser: Browser;
  page: Page;
  /** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openStudio(options: { concurrency?: number; query?: string } = {}): Promise<Studio> {
  const folder = temporaryFolder('fsam-browser-');
  // the Settings screen lists the download cache: a test reads its own (empty) one, never the user's
  if (process.env.FSAM_DATA_CACHE === undefined) {
    const cache = temporaryFolder('fsam-browser-cache-');
    process.env.FSAM_DATA_CACHE = join(cache.path, 'datasets');
    process.once('exit', () => cache.remove());
  }
  const service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: options.concurrency ?? 1 });
  const shell = await startWebShell({ api: service, files: (fileId) => service.downloadableFile(fileId), rendererFolder: RENDERER_BUILD_FOLDER });
  // a browser that cannot start (no chromium installed) must not leave the server and the service running:
  // they would keep the test process alive and the run would hang instead of failing
  const closeServer = async () => {
    await shell.close();
    await service.close();
    folder.remove();
  };
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  } catch (error) {
    await closeServer();
    throw new Error(`Chromium could not be started from ${CHROMIUM_PATH} (apt-get install chromium, or set FSAM_CHROMIUM): ${(error as Error).message.split('\n')[0]}`);
  }
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${shell.url}${options.query ?? ''}`);
  mkdirSync(SCREENSHOT_FOLDER, { recursive: true });
  return {
    service,
    shell,
    browser,
    page,
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOT_FOLDER, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      await closeServer();
      if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    },
  };
}

/** The 95th percentile of a list of numbers. */
export function percentile95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))]!;
}
