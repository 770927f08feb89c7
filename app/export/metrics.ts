/**
 * A run's metrics as files: JSON with everything the store keeps about it (config, status history, every
 * step, every epoch with per-class accuracy and confusion matrix), and CSV for spreadsheets and pandas —
 * one row per step, with the epoch's evaluation on the row of the step that ended it.
 */
import { STEP_METRICS, type EpochMetrics, type StepMetrics } from '../domain/index.js';
import type { RunDetail } from '../store/records.js';

export const METRICS_JSON_FORMAT = 'fsam-studio-run-metrics/1';

export function metricsJson(detail: RunDetail, steps: readonly StepMetrics[], version: string): string {
  return JSON.stringify(
    {
      format: METRICS_JSON_FORMAT,
      generatedBy: `F-SAM Studio ${version}`,
      exportedAt: new Date().toISOString(),
      run: detail.run,
      config: detail.run.config,
      classNames: detail.classNames,
      transitions: detail.transitions,
      steps,
      epochs: detail.epochs,
    },
    null,
    1,
  );
}

/** The CSV's step columns: the step's position, then every STEP_METRICS entry in the table's order. */
export const STEP_CSV_COLUMNS: readonly (keyof StepMetrics)[] = ['step', 'epoch', ...STEP_METRICS.map((m) => m.name), 'elapsedMs'];

const EPOCH_COLUMNS: [string, (e: EpochMetrics) => number | null | undefined][] = [
  ['evaluatedEpoch', (e) => e.epoch],
  ['trainLoss', (e) => e.train.loss],
  ['trainAccuracy', (e) => e.train.accuracy],
  // runs with label noise: train accuracy against the clean labels (empty otherwise)
  ['trainCleanAccuracy', (e) => e.train.cleanAccuracy],
  ['testLoss', (e) => e.test.loss],
  ['testAccuracy', (e) => e.test.accuracy],
];

function cell(value: number | null | undefined): string {
  // full precision, so a CSV round-trip gives the stored float back
  return value === null || value === undefined || Number.isNaN(value) ? '' : String(value);
}

export function metricsCsv(epochs: readonly EpochMetrics[], steps: readonly StepMetrics[]): string {
  const header = [...STEP_CSV_COLUMNS, ...EPOCH_COLUMNS.map(([name]) => name)].join(',');
  // an epoch ends after `epoch.step` steps, i.e. on the step with index epoch.step − 1
  const epochByLastStep = new Map(epochs.map((e) => [e.step - 1, e]));
  const rows = steps.map((step) => {
    const epoch = epochByLastStep.get(step.step);
    epochByLastStep.delete(step.step);
    return [...STEP_CSV_COLUMNS.map((column) => cell(step[column])), ...EPOCH_COLUMNS.map(([, read]) => cell(epoch ? read(epoch) : null))].join(',');
  });
  // evaluations without a recorded step (none in practice) still appear, with empty step columns
  for (const epoch of epochByLastStep.values()) rows.push([...STEP_CSV_COLUMNS.map(() => ''), ...EPOCH_COLUMNS.map(([, read]) => cell(read(epoch)))].join(','));
  return `${header}\n${rows.join('\n')}\n`;
}
