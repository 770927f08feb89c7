/// <reference lib="dom" />
/**
 * A study built on the Study screen, in Debian's Chromium against the web shell: a bad base config is shown
 * at its field, a tiny SAM vs F-SAM grid over two ρ and two seeds shows its 8 runs, starts, and its charts
 * and cells fill in while the runs train, until every cell has both seeds with its 95 % band; the table
 * reads what the service computed, the CSV export downloads, and the next study's estimate uses the speed
 * those runs measured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { NewStudy } from '../../app/api/types.js';
import { openStudio } from '../support/browser.js';

const TINY_CONFIG = {
  data: { name: 'shapes10', trainCount: 256, testCount: 64, size: 8, channels: 1 },
  model: 'mlp',
  epochs: 2,
  batchSize: 32,
  trainEvalCount: 64,
  optimizer: { name: 'sam', lr: 0.05 },
};

async function formState(page: Page, state: 'valid' | 'invalid'): Promise<void> {
  await page.waitForSelector(`[data-testid="study-form-status"][data-state="${state}"]`, { timeout: 30_000 });
}

/** Per arm, the points a study chart draws ("2|2" → [2, 2]). */
async function armPoints(page: Page, metric: string, attribute = 'data-arm-points'): Promise<number[]> {
  const text = (await page.getByTestId(`study-chart-${metric}`).getAttribute(attribute)) ?? '';
  return text === '' ? [] : text.split('|').map(Number);
}

test('from the Study screen: a 2 arms × 2 ρ × 2 seeds study is built, started, and its charts and cells fill in', async () => {
  const studio = await openStudio();
  const { page, service } = studio;
  try {
    await page.getByTestId('nav-studies').click();
    await page.getByTestId('studies-empty').waitFor();
    await page.getByTestId('study-builder').waitFor();
    await page.getByTestId('study-preset').selectOption('paper-rho');
    assert.match(await page.getByTestId('study-preset-description').innerText(), /ρ/);
    assert.equal(await page.getByTestId('study-field-parameter').inputValue(), 'rho', 'the preset fills the swept setting');
    assert.equal(await page.getByTestId('study-run-count').getAttribute('data-count'), '30', 'paper-rho: 2 arms × 5 ρ × 3 seeds');

    await page.getByTestId('study-field-name').fill('browser ρ study');
    await page.getByTestId('study-field-values').fill('0.02, 0.1');
    await page.getByTestId('study-field-seeds').fill('1, 2');
    // a base config the service refuses: its problem is shown at the config field, and nothing can start
    await page.getByTestId('study-field-config').fill(JSON.stringify({ ...TINY_CONFIG, epochs: 0 }, null, 2));
    await page.getByTestId('study-error-config').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('study-error-config').innerText(), /epochs/);
    await formState(page, 'invalid');
    assert.equal(await page.getByTestId('study-start').isDisabled(), true);

    await page.getByTestId('study-field-config').fill(JSON.stringify(TINY_CONFIG, null, 2));
    await formState(page, 'valid');
    assert.equal(await page.getByTestId('study-run-count').getAttribute('data-count'), '8', '2 arms × 2 values × 2 seeds');
    // nothing has trained in this store yet: no speed to estimate from, said plainly
    assert.equal(await page.getByTestId('study-estimate').getAttribute('data-state'), 'unmeasured');
    assert.match(await page.getByTestId('study-estimate').innerText(), /no measurement yet/);
    await page.getByTestId('study-start').scrollIntoViewIfNeeded();
    await studio.screenshot('20-study-new');
    assert.deepEqual(await service.listStudies(), [], 'nothing started before Start');

    await page.getByTestId('study-start').click();
    await page.waitForURL(/#\/study\/\d+/);
    const [study] = await service.listStudies();
    assert.ok(study);
    assert.equal(study.progress.total, 8);
    assert.deepEqual(study.axis, { parameter: 'rho', values: [0.02, 0.1] });
    assert.equal(study.preset, 'paper-rho');
    await page.getByTestId('study-progress').waitFor();

    // the charts fill as runs complete: every arm gets a point
    const chart = page.getByTestId('study-chart-finalTestAccuracy');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid="study-chart-finalTestAccuracy"]')?.getAttribute('data-arm-points') ?? '';
        const counts = text.split('|').map(Number);
        return counts.length === 2 && counts.every((count) => count > 0);
      },
      undefined,
      { timeout: 300_000 },
    );
    await studio.screenshot('21-study-filling');

    // every cell reaches 2/2 and the study 8/8
    await page.waitForSelector('[data-testid="study-progress"][data-completed="8"]', { timeout: 600_000 });
    for (let arm = 0; arm < 2; arm += 1) {
      for (let value = 0; value < 2; value += 1) {
        await page.waitForSelector(`[data-testid="study-cell-${arm}-${value}"][data-completed="2"]`, { timeout: 30_000 });
      }
    }
    assert.deepEqual(await armPoints(page, 'finalTestAccuracy'), [2, 2], 'one mean per ρ per arm');
    assert.deepEqual(await armPoints(page, 'finalTestAccuracy', 'data-band-points'), [2, 2], 'two seeds: every mean has its band');
    assert.deepEqual(await armPoints(page, 'bestTestAccuracy'), [2, 2]);
    assert.equal(await page.getByTestId('study-chart-finalTestAccuracy').getAttribute('data-lines'), 'SAM|F-SAM');

    // the table shows what the service computed
    const detail = await service.getStudy(study.id);
    const samCell = detail.results.cells.find((cell) => cell.arm === 'SAM' && cell.value === 0.02)!;
    const fsamCell = detail.results.cells.find((cell) => cell.arm === 'F-SAM' && cell.value === 0.1)!;
    const percent = (fraction: number) => (fraction * 100).toFixed(1).replace(/^-/, '−');
    const samText = await page.getByTestId('study-cell-final-0-0').innerText();
    const estimate = samCell.finalTestAccuracy!;
    assert.equal(samText, `${percent(estimate.mean)}% [${percent(estimate.low!)}, ${percent(estimate.high!)}]`);
    const difference = detail.results.differences.find((d) => d.arm === 'F-SAM' && d.value === 0.1 && d.metric === 'finalTestAccuracy')!;
    assert.equal(difference.pairs, 2);
    const deltaText = await page.getByTestId('study-cell-delta-1-1').innerText();
    assert.ok(deltaText.includes(`${Math.abs(difference.mean * 100).toFixed(1)} pp [`), `${deltaText} shows F-SAM − SAM at ρ=0.1 (${difference.mean})`);
    assert.ok(fsamCell.completed === 2);
    assert.equal(await page.getByTestId('study-notes').count(), 0, 'two seeds, all completed: nothing to warn about');
    assert.equal(await page.getByTestId('study-resume').count(), 0, 'nothing to resume');
    await studio.screenshot('22-study-done');

    // the CSV export downloads the recorded table
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('study-export-csv').click()]);
    assert.match(download.suggestedFilename(), new RegExp(`^study-${study.id}-.*\\.csv$`));
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.match(csv, /F-SAM/);
    assert.equal(csv.trim().split('\n').length, 1 + 4, 'a header and one line per cell');

    // the list shows it complete; a new study of the same model and batch size is estimated from these runs
    await page.getByTestId('nav-studies').click();
    await page.waitForSelector(`[data-testid="study-row-${study.id}"][data-completed="8"][data-total="8"]`, { timeout: 30_000 });
    await studio.screenshot('23-study-list');
    await page.getByTestId('study-field-config').fill(JSON.stringify(TINY_CONFIG, null, 2));
    await page.waitForSelector('[data-testid="study-estimate"][data-state="measured"]', { timeout: 30_000 });
    assert.ok(Number(await page.getByTestId('study-estimate').getAttribute('data-seconds')) > 0);
    assert.match(await page.getByTestId('study-estimate').innerText(), /steps\/s, the median of 8 completed runs of mlp with batch size 32/);
    await page.getByTestId('study-start').scrollIntoViewIfNeeded();
    await studio.screenshot('24-study-new-measured');

    // a study of its arms alone (as paper-decomposition is): one point per arm, its interval as a bar
    const armsOnly = await service.createStudy({
      name: 'arms only',
      config: { ...TINY_CONFIG, epochs: 1 } as unknown as NewStudy['config'],
      arms: [{ label: 'SAM', optimizer: { name: 'sam' } }, { label: 'F-SAM σ=1', optimizer: { name: 'fsam', sigma: 1 } }],
      seeds: [1, 2],
    });
    await page.goto(`${studio.shell.url}#/study/${armsOnly.study.id}`);
    await page.waitForSelector('[data-testid="study-progress"][data-completed="4"]', { timeout: 300_000 });
    await page.waitForSelector('[data-testid="study-chart-finalTestAccuracy"][data-arm-points="1|1"][data-band-points="1|1"]', { timeout: 30_000 });
    assert.equal(await page.getByTestId('study-cells').locator('[data-testid^="study-cell-"][data-completed="2"]').count(), 2);
    await studio.screenshot('25-study-arms-only');
  } finally {
    await studio.close();
  }
});
