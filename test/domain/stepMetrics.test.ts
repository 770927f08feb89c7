/**
 * STEP_METRICS (app/domain/metrics.ts) is the one table of per-step metrics: the trainer's record, the
 * store's columns, the CSV export and the renderer's charts all follow it, so a metric added there (plus a
 * migration) shows up everywhere, and one missing anywhere fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { OPTIMIZER_NAMES, STEP_METRICS, reportsMetric, type StepMetrics } from '../../app/domain/index.js';
import { initBackend } from '../../app/engine/backend.js';
import { generateBuiltinDataset } from '../../app/data/builtin.js';
import { metricsCsv } from '../../app/export/metrics.js';
import { STEP_TABLE_COLUMNS } from '../../app/store/metricRecords.js';
import { StudioStore } from '../../app/store/store.js';
import { parseTrainConfig } from '../../app/training/config.js';
import { Trainer } from '../../app/training/trainer.js';
import { CHARTS } from '../../renderer/src/lib/metrics.js';
import { temporaryFolder, tinyRunConfig } from '../support/runs.js';

/** A step where every metric has its own value, so a column swapped with another would show. */
function distinctStep(step: number): StepMetrics {
  return { step, epoch: 0, elapsedMs: 10 + step, ...Object.fromEntries(STEP_METRICS.map((m, k) => [m.name, 0.5 + k + step / 8])) } as StepMetrics;
}

test('the store has one column per metric, in a step_metrics table migrations built, and gives every value back', () => {
  const folder = temporaryFolder();
  try {
    const path = join(folder.path, 'studio.db');
    const store = StudioStore.open(path);
    const run = store.createRun({ name: 'columns', config: tinyRunConfig() });
    store.appendSteps(run.id, [distinctStep(0), distinctStep(1)]);
    assert.deepEqual(store.stepsFrom(run.id, 0), [distinctStep(0), distinctStep(1)]);
    store.close();

    const db = new Database(path, { readonly: true });
    const columns = (db.pragma('table_info(step_metrics)') as { name: string }[]).map((c) => c.name);
    db.close();
    assert.deepEqual([...columns].sort(), [...STEP_TABLE_COLUMNS].sort(), 'the migrated table and the insert name the same columns');
    for (const metric of STEP_METRICS) assert.ok(columns.includes(metric.column), `step_metrics has a column for ${metric.name}`);
  } finally {
    folder.remove();
  }
});

test('the CSV export has a column per metric, named as in the table, with the stored value', () => {
  const csv = metricsCsv([], [distinctStep(3)]);
  const [header, row] = csv.trim().split('\n');
  const names = header!.split(',');
  const cells = row!.split(',');
  for (const metric of STEP_METRICS) {
    const index = names.indexOf(metric.name);
    assert.ok(index >= 0, `the CSV has a ${metric.name} column`);
    assert.equal(Number(cells[index]), distinctStep(3)[metric.name], `${metric.name} is written in its own column`);
  }
});

test('the trainer reports exactly the table: every metric, null only for optimizers that do not report it', async () => {
  await initBackend();
  const data = generateBuiltinDataset({ seed: 2, trainCount: 64, testCount: 32, size: 8, channels: 1 });
  for (const name of OPTIMIZER_NAMES) {
    const trainer = new Trainer(parseTrainConfig({ model: 'mlp', epochs: 1, batchSize: 32, trainEvalCount: 32, optimizer: { name, lr: 0.05 } }), data);
    let record: StepMetrics | undefined;
    for await (const event of trainer.run()) if (event.type === 'step') record ??= event.record;
    trainer.dispose();
    assert.ok(record, `${name} reported a step`);
    assert.deepEqual(Object.keys(record).sort(), ['step', 'epoch', 'elapsedMs', ...STEP_METRICS.map((m) => m.name)].sort());
    for (const metric of STEP_METRICS) {
      const value: number | null = record[metric.name];
      if (reportsMetric(name, metric.name)) assert.ok(typeof value === 'number' && Number.isFinite(value), `${name} reports ${metric.name} (${value})`);
      else assert.equal(value, null, `${name} does not report ${metric.name}`);
    }
  }
});

test('the renderer charts every metric the optimizer computes, labelled as the table labels it', () => {
  const charted = new Map(CHARTS.flatMap((chart) => chart.curves).map((curve) => [curve.series as string, curve.label]));
  for (const metric of STEP_METRICS) {
    if (charted.has(metric.name)) assert.equal(charted.get(metric.name), metric.label, `${metric.name}'s curve is labelled from the table`);
    if (metric.source === 'optimizer') assert.ok(charted.has(metric.name), `${metric.name} has a chart`);
  }
});
