/// <reference lib="dom" />
/**
 * The studio as a practitioner uses it, in Debian's Chromium against the web shell: a SAM vs F-SAM
 * comparison created from the UI trains while its charts grow, its summary reads back after a reload, a bad
 * value starts nothing; every screen is photographed. Two measurements are printed, not asserted (these
 * machines are shared): opening a run of 100,000 steps, and frame times while four runs stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { StepMetrics } from '../../app/api/types.js';
import { openStudio, percentile95 } from '../support/browser.js';
import { tinyRunConfig } from '../support/runs.js';

async function fill(page: Page, field: string, value: string): Promise<void> {
  await page.getByTestId(`field-${field}`).fill(value);
}

async function chartPoints(page: Page, chart: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${chart}`).first().getAttribute('data-points')) ?? '0');
}

async function waitForValidForm(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="form-status"][data-state="valid"]', { timeout: 30_000 });
}

test('from the UI: a SAM vs F-SAM comparison trains live, its summary survives a reload, every screen is shown', async () => {
  const studio = await openStudio();
  const { page, service } = studio;
  try {
    await page.getByTestId('runs-empty').waitFor();
    await studio.screenshot('01-runs-empty');

    await page.getByTestId('nav-new').click();
    await page.getByTestId('preset-select').selectOption('sam-vs-fsam');
    await page.getByTestId('new-screen').and(page.locator('[data-mode="comparison"]')).waitFor();
    // small enough to train in seconds on two cores, large enough to show curves
    await fill(page, 'data.trainCount', '512');
    await fill(page, 'data.testCount', '128');
    await fill(page, 'data.size', '16');
    await fill(page, 'epochs', '3');
    await fill(page, 'batchSize', '32');
    await fill(page, 'name', 'browser SAM vs F-SAM');
    await waitForValidForm(page);
    await studio.screenshot('02-new-comparison');
    await page.getByTestId('start-comparison').click();
    await page.waitForURL(/#\/comparison\/\d+/);

    // the charts grow while the runs train
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 120_000 });
    const early = await chartPoints(page, 'loss');
    await page.waitForFunction((before) => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points') ?? 0) > before, early, { timeout: 120_000 });
    await studio.screenshot('03-compare-live');

    await page.getByTestId('compare-winner').waitFor({ timeout: 300_000 });
    const rows = async () => ({
      sam: (await page.getByTestId('compare-row-sam').innerText()).replace(/\s+/g, ' '),
      fsam: (await page.getByTestId('compare-row-fsam').innerText()).replace(/\s+/g, ' '),
    });
    const summary = await rows();
    assert.match(summary.sam, /sam .*\d+\.\d% .*\d+\.\d%/, summary.sam);
    assert.match(summary.fsam, /fsam .*\d+\.\d% .*[−+-±]\d+\.\d pp|fsam .*\d+\.\d% .*pp/, summary.fsam);
    const [comparison] = await service.listComparisons();
    const stored = await service.getComparison(comparison!.id);
    assert.deepEqual(stored.runs.map((r) => r.status), ['completed', 'completed']);
    const samAccuracy = (100 * stored.results.arms.find((a) => a.arm === 'sam')!.finalTestAccuracy!.mean).toFixed(1);
    assert.ok(summary.sam.includes(`${samAccuracy}%`), `the table shows sam's stored ${samAccuracy}%: ${summary.sam}`);
    await studio.screenshot('04-compare-done');

    await page.reload();
    await page.getByTestId('compare-winner').waitFor();
    assert.deepEqual(await rows(), summary, 'after a reload the same summary is there');

    await page.getByTestId('nav-runs').click();
    for (const run of stored.runs) await page.getByTestId(`run-row-${run.id}`).and(page.locator('[data-status="completed"]')).waitFor();
    await studio.screenshot('05-runs');

    await page.getByTestId(`open-run-${stored.runs[1]!.id}`).click();
    await page.getByTestId('confusion-matrix').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-gradientEmaCosine"]')?.getAttribute('data-points') ?? 0) > 0);
    assert.equal(await chartPoints(page, 'loss'), 48, 'every step of the F-SAM run is drawn');
    assert.equal(await page.getByTestId('epoch-table').locator('[data-testid^="epoch-row-"]').count(), 3);
    await studio.screenshot('06-run');

    await page.getByTestId('nav-settings').click();
    assert.match(await page.getByTestId('settings-backend').innerText(), /wasm/);
    await studio.screenshot('07-settings');
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await page.getByTestId('nav-compare').click();
    await page.getByTestId(`comparison-row-${comparison!.id}`).waitFor();
    await studio.screenshot('08-compare-list-dark');
    await page.getByTestId(`open-comparison-${comparison!.id}`).click();
    await page.getByTestId('compare-winner').waitFor();
    await studio.screenshot('09-compare-dark');
  } finally {
    await studio.close();
  }
});

test('an invalid value is shown at its field and starts nothing', async () => {
  const studio = await openStudio();
  const { page, service } = studio;
  try {
    await page.getByTestId('nav-new').click();
    await waitForValidForm(page);
    // the data set preview: classes with their training counts; with label noise, counts after the flips
    const trainCounts = async () => page.locator('[data-testid^="dataset-preview-class-"]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-train-count'))));
    await page.waitForSelector('[data-testid="dataset-preview"][data-state="ready"]', { timeout: 30_000 });
    const clean = await trainCounts();
    assert.equal(clean.length, 10);
    assert.equal(clean.reduce((a, b) => a + b, 0), 6000, 'the default run trains on 6,000 examples');
    assert.ok(Number(await page.getByTestId('model-parameter-count').getAttribute('data-count')) > 0);
    await page.getByTestId('field-labelNoise.kind').selectOption('symmetric');
    await fill(page, 'labelNoise.fraction', '0.4');
    await page.waitForSelector('[data-testid="dataset-preview-noise"]:not([data-flipped="0"])', { timeout: 30_000 });
    const noisy = await trainCounts();
    assert.equal(noisy.reduce((a, b) => a + b, 0), 6000);
    assert.notDeepEqual(noisy, clean, 'the flipped labels move examples between classes');
    await studio.screenshot('10a-new-run-preview');
    await fill(page, 'optimizer.lr', '-1');
    await fill(page, 'optimizer.lambda', '1.5');
    await page.getByTestId('error-optimizer.lr').waitFor();
    assert.match(await page.getByTestId('error-optimizer.lr').innerText(), /too small|>0|positive/i);
    assert.match(await page.getByTestId('error-optimizer.lambda').innerText(), /too big|<1/i);
    assert.equal(await page.getByTestId('start-run').isDisabled(), true);
    await page.getByTestId('start-run').click({ force: true }).catch(() => {});
    await studio.screenshot('10-new-run-invalid');
    assert.deepEqual(await service.listRuns(), [], 'nothing was started');
  } finally {
    await studio.close();
  }
});

test('measured: opening a run of 100,000 steps, and frame times while four runs stream', async (t) => {
  const studio = await openStudio({ concurrency: 4, query: '&perf=1' });
  const { page, service } = studio;
  try {
    // a finished run with 100,000 stored steps, written the way the manager writes them
    const { store } = service;
    const long = store.createRun({ name: '100k steps', config: tinyRunConfig({ optimizer: { name: 'fsam', lr: 0.05 } }) });
    store.recordStart(long.id, { backend: 'wasm', device: 'CPU', parameterCount: 1, stepsPerEpoch: 1000, totalSteps: 100_000, classNames: ['a', 'b'] });
    const batch: StepMetrics[] = [];
    for (let step = 0; step < 100_000; step++) {
      batch.push({ step, epoch: Math.floor(step / 1000), loss: 2.3 * Math.exp(-step / 30_000) + 0.05 * Math.sin(step / 50), perturbedLoss: 2.31 * Math.exp(-step / 30_000), gradientNorm: 1, perturbationNorm: 0.05, emaNorm: 0.5, gradientEmaCosine: 0.3, learningRate: 0.05, stepMs: 3, samplesPerSecond: 10_000, elapsedMs: step * 3 });
      if (batch.length === 1000) store.appendSteps(long.id, batch.splice(0));
    }
    store.setStatus(long.id, 'completed');
    const openMs = await page.evaluate(async (runId) => {
      const started = performance.now();
      location.hash = `#/run/${runId}`;
      for (;;) {
        await new Promise(requestAnimationFrame);
        const canvas = document.querySelector('[data-testid="run-screen"] [data-testid="chart-loss"]');
        if (Number(canvas?.getAttribute('data-points') ?? 0) > 0) return performance.now() - started;
      }
    }, long.id);
    const drawn = await chartPoints(page, 'loss');
    assert.ok(drawn > 100 && drawn <= 10_000, `the 100,000 steps are drawn decimated (${drawn} points)`);
    await studio.screenshot('11-run-100k-steps');

    // four runs streaming at once, all on the Compare screen
    const runs = await Promise.all([1, 2, 3, 4].map((seed) => service.startRun({ config: tinyRunConfig({ seed, epochs: 30, batchSize: 16, trainEvalCount: 16 }) })));
    await page.evaluate((ids) => (location.hash = `#/compare?runs=${ids.join(',')}`), runs.map((r) => r.id));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 60_000 });
    const before = await chartPoints(page, 'loss');
    await page.evaluate(() => {
      (window as unknown as { __fsamPerf: { frameTimes: number[] } }).__fsamPerf.frameTimes = [];
      // the page's own main-thread work: tasks over 50 ms, to tell slow rendering from a starved machine
      const longTasks: number[] = [];
      (window as unknown as { __longTasks: number[] }).__longTasks = longTasks;
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => longTasks.push(entry.duration))).observe({ type: 'longtask' });
    });
    await page.waitForTimeout(5_000);
    const frameTimes = await page.evaluate(() => (window as unknown as { __fsamPerf: { frameTimes: number[] } }).__fsamPerf.frameTimes);
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    const after = await chartPoints(page, 'loss');
    await studio.screenshot('12-compare-four-streaming');
    for (const run of runs) await service.stopRun(run.id);
    assert.ok(frameTimes.length > 10, `frames were measured (${frameTimes.length})`);
    assert.ok(after > before, `the charts kept growing while measured (${before} → ${after} points)`);
    const p95 = percentile95(frameTimes);
    t.diagnostic(`open a run of 100,000 steps: ${openMs.toFixed(0)} ms to its first drawn chart (${drawn} points)`);
    t.diagnostic(`four runs streaming: ${frameTimes.length} frames in 5 s, p95 frame time ${p95.toFixed(1)} ms, median ${frameTimes.sort((a, b) => a - b)[Math.floor(frameTimes.length / 2)]!.toFixed(1)} ms; page tasks over 50 ms: ${longTasks.length} (${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all)`);
  } finally {
    await studio.close();
  }
});

test('under label noise, Compare charts train accuracy on the noisy and on the clean labels per arm', async () => {
  const studio = await openStudio({ concurrency: 2 });
  const { page, service } = studio;
  try {
    const compare = async (name: string, labelNoise?: { kind: 'symmetric'; fraction: number }) => {
      const { comparison } = await service.createComparison({ name, config: { ...tinyRunConfig({ epochs: 2 }), ...(labelNoise ? { labelNoise } : {}) }, arms: [{ optimizer: { name: 'sgd' } }, { optimizer: { name: 'fsam' } }], seeds: [1] });
      for (const runId of comparison.runIds) await service.manager.waitForEnd(runId);
      return comparison.id;
    };
    const noisy = await compare('noisy labels', { kind: 'symmetric', fraction: 0.4 });
    const clean = await compare('clean labels');

    await page.evaluate((id) => (location.hash = `#/comparison/${id}`), noisy);
    for (const chart of ['trainAccuracy', 'trainCleanAccuracy']) {
      await page.waitForFunction((name) => Number(document.querySelector(`[data-testid="chart-${name}"]`)?.getAttribute('data-points') ?? 0) > 0, chart, { timeout: 60_000 });
      assert.equal(await page.getByTestId(`chart-${chart}`).getAttribute('data-lines'), 'sgd|fsam', `${chart}: one curve per arm`);
    }
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points') ?? 0) > 0);
    await studio.screenshot('13-compare-label-noise');

    await page.evaluate((id) => (location.hash = `#/comparison/${id}`), clean);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-testAccuracy"]')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 60_000 });
    assert.equal(await page.getByTestId('chart-trainCleanAccuracy').count(), 0, 'without label noise there is no clean-label chart');
  } finally {
    await studio.close();
  }
});
