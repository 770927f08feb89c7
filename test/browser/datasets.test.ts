import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStudio, type Studio } from '../support/browser.js';
import { DataServer, sha256, tinyIdxFiles } from '../support/dataServer.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-browser-data-');
const files = tinyIdxFiles(64, 16);
let server: DataServer;
let studio: Studio;
const saved = { cache: process.env.FSAM_DATA_CACHE, mirror: process.env.FSAM_DATA_MIRROR, checksums: process.env.FSAM_DATA_CHECKSUMS };

before(async () => {
  server = await DataServer.start();
  for (const [name, bytes] of Object.entries(files)) server.serve(`/data/fashion-mnist/${name}`, bytes);
  const checksums = join(folder.path, 'checksums.json');
  writeFileSync(checksums, JSON.stringify(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, `sha256:${sha256(bytes)}`]))));
  process.env.FSAM_DATA_CACHE = join(folder.path, 'cache');
  process.env.FSAM_DATA_MIRROR = `${server.origin}/data/{name}/`;
  process.env.FSAM_DATA_CHECKSUMS = checksums;
  studio = await openStudio();
});

after(async () => {
  await studio.close();
  await server.close();
  for (const [key, value] of [['FSAM_DATA_CACHE', saved.cache], ['FSAM_DATA_MIRROR', saved.mirror], ['FSAM_DATA_CHECKSUMS', saved.checksums]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  folder.remove();
});

test('Settings › Data sets: one click downloads Fashion-MNIST; a set the mirror lacks shows why it failed', async () => {
  const { page } = studio;
  await page.goto(page.url().replace(/#.*$/, '') + '#/settings');
  await page.getByTestId('datasets-panel').waitFor();
  assert.equal(await page.getByTestId('dataset-row-fashion-mnist').getAttribute('data-state'), 'missing');
  assert.equal(await page.getByTestId('datasets-cache-folder').textContent(), join(folder.path, 'cache'));
  await page.getByTestId('dataset-download-fashion-mnist').click();
  await page.locator('[data-testid="dataset-row-fashion-mnist"][data-state="cached"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('dataset-download-fashion-mnist').count(), 0, 'no Download button once cached');
  await page.getByTestId('dataset-download-cifar10').click();
  await page.getByTestId('dataset-error-cifar10').waitFor({ timeout: 30_000 });
  assert.match((await page.getByTestId('dataset-error-cifar10').textContent()) ?? '', /cifar-10-binary\.tar\.gz: .* answered HTTP 404/);
  assert.equal(await page.getByTestId('dataset-row-cifar10').getAttribute('data-state'), 'failed');
  await studio.screenshot('settings-datasets');
  const status = await studio.service.datasetStatus();
  assert.equal(status.datasets.find((set) => set.name === 'fashion-mnist')!.cached, true);
});
