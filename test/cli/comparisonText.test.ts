/**
 * The CLI's `compare` text for a comparison caught mid-way, from a real store and service (issue 13): only
 * completed runs count, a run still training is listed as provisional with its progress, an interrupted one
 * apart, and no winner is named until every arm completed every seed. The same comparison through the
 * `export --comparison` command shows the same in its HTML report.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioService } from '../../app/api/service.js';
import { describeComparison, resultsTable } from '../../app/cli/reports.js';
import { runCli } from '../support/cli.js';
import { storeComparison, storeMidwayComparison } from '../support/comparisons.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-compare-text-');
const databasePath = join(folder.path, 'studio.db');
let service: StudioService;

before(() => {
  service = StudioService.open({ databasePath, concurrency: 1 });
});
after(async () => {
  await service.close();
  folder.remove();
});

test('mid-way: SAM provisional with its progress, F-SAM interrupted and listed apart, no Δ against them, no winner', async () => {
  const { comparisonId, runIds } = storeMidwayComparison(service.store, 'mid-way', 'the process training this run ended before it did');
  const detail = await service.getComparison(comparisonId);
  const text = describeComparison(detail);

  assert.match(text, /only completed runs count/);
  assert.match(text, /\nsgd \(baseline\)\s+1 of 1\s+84\.00%\s+84\.00%\n/);
  assert.match(text, /\nsam\s+0 of 1\s+—\s+—\n/, 'no "final" accuracy of a run still training');
  assert.match(text, /\nfsam\s+0 of 1\s+—\s+—\n/, 'nor of an interrupted one');
  assert.match(text, /No paired differences yet/);
  assert.ok(!text.includes('-33.20') && !text.includes('−33.20'), 'no Δ of the running SAM against SGD');
  assert.ok(
    text.includes(`Provisional, still training (not counted yet):\n  run ${runIds.get('sam/1')} sam seed 1: running, 33% done (epoch 1 of 3), latest test acc 50.80% — provisional\n`),
    text,
  );
  assert.ok(text.includes(`Not counted, ended without completing:\n  run ${runIds.get('fsam/1')} fsam seed 1: interrupted after 2 of 3 epochs (the process training this run ended before it did)\n`), text);
  assert.match(text, /\nNo winner yet: sam seed 1 is running \(1 of 3 epochs done\); fsam seed 1 was interrupted after 2 of 3 epochs \(resume it to count it\)\./);
  assert.ok(!text.includes('Highest mean final test accuracy'));

  // the runs table of `compare` marks the accuracies that are not final
  const table = resultsTable(detail.runs, { comparison: true });
  assert.match(table, /\n\s*\d+\s+sgd\s+1\s+completed\s+84\.00%\s+84\.00%/);
  assert.match(table, /\n\s*\d+\s+sam\s+1\s+running\s+50\.80% \(provisional\)/);
  assert.match(table, /\n\s*\d+\s+fsam\s+1\s+interrupted\s+70\.00% \(not counted\)/);
  assert.ok(!resultsTable(detail.runs).includes('provisional'), 'a table outside a comparison is unmarked');

  // the same comparison through the command line's report
  const reportPath = join(folder.path, 'mid-way.html');
  const exported = await runCli(['export', '--comparison', String(comparisonId), '--out', reportPath, '--db', databasePath]);
  assert.equal(exported.code, 0, exported.stderr);
  const html = readFileSync(reportPath, 'utf8');
  assert.ok(!html.includes('class="badge">winner'));
  assert.match(html, /No winner yet: sam seed 1 is running/);
  assert.match(html, /<table class="provisional-runs">/);
  assert.match(html, /<table class="excluded-runs">/);
});

test('a winner once every arm completed every seed; one arm short of a seed still waits', async () => {
  const runs = [
    { arm: 'sam', seed: 1, status: 'completed' as const, accuracies: [0.6, 0.7, 0.7] },
    { arm: 'sam', seed: 2, status: 'completed' as const, accuracies: [0.6, 0.7, 0.72] },
    { arm: 'fsam', seed: 1, status: 'completed' as const, accuracies: [0.6, 0.7, 0.75] },
  ];
  const waiting = storeComparison(service.store, { name: 'short of a seed', arms: ['sam', 'fsam'], seeds: [1, 2], runs: [...runs, { arm: 'fsam', seed: 2, status: 'paused', accuracies: [0.5] }] });
  const pending = describeComparison(await service.getComparison(waiting.comparisonId));
  assert.match(pending, /\nNo winner yet: fsam seed 2 is paused \(1 of 3 epochs done\)\./);
  assert.match(pending, /fsam − sam\s+final test acc\s+1\s+\+5\.00\s+needs ≥ 2 seeds/, 'the pair of seed 1 still shows');

  const done = storeComparison(service.store, { name: 'all in', arms: ['sam', 'fsam'], seeds: [1, 2], runs: [...runs, { arm: 'fsam', seed: 2, status: 'completed', accuracies: [0.6, 0.7, 0.77] }] });
  const final = describeComparison(await service.getComparison(done.comparisonId));
  assert.match(final, /\nHighest mean final test accuracy: fsam\./);
  assert.ok(!final.includes('Provisional') && !final.includes('Not counted'));
  assert.match(final, /\nfsam\s+2 of 2\s+76\.00 ± 1\.41%/);
});
