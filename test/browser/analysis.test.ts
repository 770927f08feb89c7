/// <reference lib="dom" />
/**
 * The sharpness analysis from the UI, in Debian's Chromium against the web shell: Analyze on a finished
 * run's screen shows the stored sharpness and eigenvalue, the 1D curve and the 2D heat map; Compare's
 * "Analyze" measures the other arm and overlays both curves in one chart with a row per arm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStudio, SCREENSHOT_FOLDER } from '../support/browser.js';
import { tinyRunConfig } from '../support/runs.js';

test('Analyze on the Run screen, then every arm on the Compare screen', { timeout: 600_000 }, async () => {
  const studio = await openStudio();
  const { page, service } = studio;
  try {
    const config = tinyRunConfig({ model: 'cnn', epochs: 1 });
    const created = await service.createComparison({ name: 'analysis in the browser', config, arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'fsam' } }], seeds: [1] });
    const [samRun, fsamRun] = created.runs;
    for (const run of created.runs) assert.equal((await service.manager.waitForEnd(run.id)).status, 'completed');

    await page.goto(`${studio.shell.url}#/run/${samRun!.id}`);
    await page.getByTestId('analysis-empty').waitFor();
    await page.getByTestId('analysis-rho').fill('0.1');
    await page.getByTestId('analysis-batches').fill('2');
    await page.getByTestId('analyze-button').click();
    await page.getByTestId('analysis-sharpness').waitFor({ timeout: 300_000 });

    const [stored] = await service.getAnalyses({ runIds: [samRun!.id] });
    assert.equal(stored!.status, 'completed');
    assert.equal(stored!.options.rho, 0.1, 'the ρ typed in the panel was used');
    assert.equal(stored!.options.batches, 2);
    const shown = Number((await page.getByTestId('analysis-sharpness').innerText()).replace('−', '-'));
    assert.ok(Math.abs(shown - stored!.result!.sharpness.mean) <= 1e-3 * Math.abs(stored!.result!.sharpness.mean) + 1e-4, `shown ${shown}, stored ${stored!.result!.sharpness.mean}`);
    assert.match(await page.getByTestId('analysis-iterations').innerText(), /after \d+ power iterations/);
    assert.equal(await page.getByTestId('analysis-curve').getAttribute('data-lines'), '1');
    assert.equal(await page.getByTestId('analysis-surface').getAttribute('data-rows'), '11');
    // the heat map is drawn: its canvas holds more than one colour
    const colours = await page.getByTestId('analysis-surface').locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<string>();
      for (let i = 0; i < pixels.length; i += 4 * 97) seen.add(`${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`);
      return seen.size;
    });
    assert.ok(colours > 3, `the heat map shows several levels (${colours} colours sampled)`);
    await page.getByTestId('analysis-panel').screenshot({ path: join(SCREENSHOT_FOLDER, 'analysis-01-run-panel.png') });

    await page.goto(`${studio.shell.url}#/comparison/${created.comparison.id}`);
    const samRow = page.getByTestId('compare-analysis-row-sam');
    const fsamRow = page.getByTestId('compare-analysis-row-fsam');
    await samRow.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-analysis-row-sam"]')?.textContent?.includes('1/1') ?? false);
    assert.match(await fsamRow.innerText(), /0\/1/);
    await page.getByTestId('compare-analyze-all').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-analysis-row-fsam"]')?.textContent?.includes('1/1') ?? false, undefined, { timeout: 300_000 });
    await page.waitForSelector('[data-testid="compare-analysis-curve"][data-lines="2"]');
    // the two runs were measured with different ρ and batches: the screen says so
    await page.getByTestId('compare-analysis-options-differ').waitFor();
    assert.equal(await page.locator('[data-testid^="compare-analysis-row-"].flattest').count(), 0, 'no arm is called flattest on numbers that are not comparable');
    const fsamStored = (await service.getAnalyses({ runIds: [fsamRun!.id] }))[0]!;
    assert.equal(fsamStored.options.rho, 0.05, 'Analyze all uses the defaults');
    assert.ok((await page.getByTestId('compare-analysis-eigenvalue-fsam').innerText()).length > 1);
    await page.getByTestId('compare-analysis').screenshot({ path: join(SCREENSHOT_FOLDER, 'analysis-02-compare-panel.png') });
  } finally {
    await studio.close();
  }
});
