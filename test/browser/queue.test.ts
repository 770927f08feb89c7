/// <reference lib="dom" />
/**
 * Settings › Where runs train, in Debian's Chromium against the web shell, with a real redis-server
 * (password, random port) and a real `fsam-studio worker`: a wrong password is refused in words, the right
 * URL shows redacted and the field is cleared, a run then waits on the queue and the Runs list says so, a
 * worker trains it (its host and backend shown, its curves drawn), and "This machine" and Disconnect bring
 * runs back here. The password is never on the page.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { Page } from 'playwright-core';
import { openStudio, type Studio } from '../support/browser.js';
import { spawnCli } from '../support/cli.js';
import { redisForTests, redisMissing } from '../support/redis.js';
import { tinyRunConfig } from '../support/runs.js';

const skip = redisMissing;
const testRedis = redisForTests();
let studio: Studio | undefined;

before(async () => {
  if (!skip) studio = await openStudio();
});
after(async () => {
  await studio?.close();
});

async function pageShowsNoPassword(page: Page): Promise<void> {
  const html = await page.content();
  assert.equal(html.includes(testRedis().password), false, 'the page holds the password');
}

test('Settings: a queue connected from the UI shows only its redacted URL; its runs show where they train; This machine and Disconnect bring runs back', { skip, timeout: 300_000 }, async () => {
  const redis = testRedis();
  const { page, service } = studio!;
  const redacted = `redis://:***@127.0.0.1:${redis.port}/0`;
  await page.goto(page.url().replace(/#.*$/, '') + '#/settings');
  await page.getByTestId('queue-panel').waitFor();
  assert.equal(await page.getByTestId('new-runs-local').isChecked(), true);
  assert.equal(await page.getByTestId('queue-url').count(), 0, 'no queue yet');

  // a wrong password: refused in words, the password not echoed, nothing connected
  await page.getByTestId('new-runs-queue').check();
  await page.getByTestId('queue-url-input').fill(`redis://:not-${redis.password}@127.0.0.1:${redis.port}/0`);
  assert.equal(await page.getByTestId('queue-url-input').getAttribute('type'), 'password', 'the address is masked while typed: it carries the password');
  await page.getByTestId('queue-connect').click();
  const error = page.getByTestId('queue-error');
  await error.waitFor();
  assert.equal(await error.textContent(), `the queue at ${redacted} refused the user name or password (WRONGPASS invalid username-password pair or user is disabled.)`);
  assert.equal((await service.info()).queue, null);

  // the right one: shown redacted, the field cleared, new runs go there
  await page.getByTestId('queue-url-input').fill(redis.url);
  await page.getByTestId('queue-connect').click();
  await page.getByTestId('queue-url').waitFor();
  assert.equal(await page.getByTestId('queue-url').textContent(), redacted);
  assert.equal(await page.getByTestId('queue-connection').getAttribute('data-connected'), 'true');
  assert.equal(await page.getByTestId('queue-url-input').count(), 0, 'the field is gone once connected');
  assert.equal(await page.getByTestId('queue-error').count(), 0);
  assert.equal(await page.getByTestId('new-runs-queue').isChecked(), true);
  await pageShowsNoPassword(page);
  await studio!.screenshot('settings-queue-connected');
  assert.equal((await service.info()).newRuns, 'queue');

  // a run now waits on the queue, and the Runs list says so
  const run = await service.startRun({ name: 'queued from the browser test', config: tinyRunConfig({ epochs: 2 }) });
  assert.equal(run.placement, 'queue');
  await page.getByTestId('nav-runs').click();
  const where = page.getByTestId(`run-where-${run.id}`);
  await where.waitFor();
  assert.equal(await where.textContent(), 'queue · waiting for a worker');

  // a worker takes it: the row names the worker's host and backend, and the run's curves are drawn from its steps
  const worker = spawnCli(['worker'], { FSAM_QUEUE_URL: redis.url });
  let output = '';
  worker.stdout.on('data', (chunk) => (output += chunk));
  worker.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  try {
    await page.locator(`[data-testid="run-row-${run.id}"][data-status="completed"]`).waitFor({ timeout: 180_000 });
    const trained = service.store.getRun(run.id);
    assert.equal(trained.workerHost, hostname());
    assert.ok(trained.backend, 'the worker reported its backend');
    assert.equal(await where.textContent(), `queue · ${hostname()} · ${trained.backend}`);
    await studio!.screenshot('runs-queued-run');
    await page.getByTestId(`open-run-${run.id}`).click();
    assert.equal(await page.getByTestId('run-backend').textContent(), `queue · ${hostname()} · ${trained.backend}`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 30_000 });
    assert.equal(output.includes(redis.password), false, 'the worker prints no password');
  } finally {
    worker.kill('SIGTERM');
    await exited;
  }

  // "This machine": the queue stays connected, the next run trains here
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('new-runs-local').check();
  await page.locator('[data-testid="queue-panel"][data-new-runs="local"]').waitFor();
  assert.equal((await service.info()).newRuns, 'local');
  assert.equal(await page.getByTestId('queue-url').textContent(), redacted, 'the queue stays connected');
  assert.equal((await service.startRun({ config: tinyRunConfig() })).placement, 'local');

  // Disconnect: no queue any more
  await page.getByTestId('queue-disconnect').click();
  await page.getByTestId('queue-url').waitFor({ state: 'detached' });
  assert.equal((await service.info()).queue, null);
  assert.equal(await page.getByTestId('new-runs-local').isChecked(), true);
  // choosing the queue again offers an empty field: the URL was not kept on the page
  await page.getByTestId('new-runs-queue').check();
  assert.equal(await page.getByTestId('queue-url-input').inputValue(), '');
  await pageShowsNoPassword(page);
});
