/**
 * Exports from the UI in a real browser against the web shell: the Run screen's buttons download the files
 * the service recorded, and the Compare screen's Report button downloads the comparison's HTML report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TrainConfigInput } from '../../app/api/types.js';
import { openStudio } from '../support/browser.js';
import { TINY_DATA } from '../support/runs.js';

test('Run screen export buttons and the Compare screen report download recorded files', async () => {
  const studio = await openStudio();
  const { page, service } = studio;
  try {
    const run = await service.startRun({ config: { data: TINY_DATA, model: 'cnn', epochs: 1, batchSize: 32, optimizer: { name: 'fsam', lr: 0.05 } } });
    await service.manager.waitForEnd(run.id);
    await page.goto(`${studio.shell.url}#/run/${run.id}`);
    await page.getByTestId('run-export-csv').waitFor();

    for (const [key, name] of [['csv', `run-${run.id}-metrics.csv`], ['onnx', `run-${run.id}-model.onnx`], ['report', `run-${run.id}-report.html`]] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`run-export-${key}`).click()]);
      assert.equal(download.suggestedFilename(), name);
      const recorded = service.store.files(run.id).filter((f) => f.path.endsWith(name)).at(-1)!;
      assert.deepEqual(readFileSync((await download.path())!), readFileSync(recorded.path), `${key}: the download is the recorded file`);
    }
    await page.getByTestId('run-export-status').waitFor();
    assert.match((await page.getByTestId('run-export-status').textContent()) ?? '', /Downloading .*report\.html/);
    await studio.screenshot('run-export');

    const comparison = await service.createComparison({
      name: 'SAM vs F-SAM (export test)',
      config: { data: TINY_DATA, model: 'mlp', epochs: 1, batchSize: 32, optimizer: { lr: 0.05 } } as unknown as TrainConfigInput,
      arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'fsam' } }],
      seeds: [1, 2],
    });
    for (const id of comparison.comparison.runIds) await service.manager.waitForEnd(id);
    await page.goto(`${studio.shell.url}#/comparison/${comparison.comparison.id}`);
    const [report] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-report-html').click()]);
    assert.equal(report.suggestedFilename(), `comparison-${comparison.comparison.id}-report.html`);
    const html = readFileSync((await report.path())!, 'utf8');
    assert.match(html, /SAM vs F-SAM \(export test\)/);
    assert.match(html, /class="badge">winner/);
    await studio.screenshot('compare-report-button');
    // the report itself, as a reader sees it
    await page.setContent(html);
    await studio.screenshot('comparison-report');
  } finally {
    await studio.close();
  }
});
