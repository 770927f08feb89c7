/**
 * How fast the store takes metric rows: what decides whether many fast runs can stream into one file. Rows
 * go in the way a worker sends them (batches, one transaction per batch) into a fresh file in a temporary
 * folder, deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STEP_METRICS, type StepMetrics } from '../domain/index.js';
import { parseTrainConfig } from '../training/config.js';
import { StudioStore } from './store.js';

export interface IngestionResult {
  rows: number;
  batchSize: number;
  seconds: number;
  rowsPerSecond: number;
}

export function measureIngestion(rows = 200_000, batchSize = 500): IngestionResult {
  const folder = mkdtempSync(join(tmpdir(), 'fsam-ingest-'));
  const store = StudioStore.open(join(folder, 'bench.db'));
  try {
    const run = store.createRun({ name: 'ingestion benchmark', config: parseTrainConfig({ optimizer: { name: 'fsam', lr: 0.1 } }) });
    // every metric of STEP_METRICS gets a plausible value, so the rows are as wide as an F-SAM run's
    const batch: StepMetrics[] = Array.from(
      { length: batchSize },
      (_, i) => ({ step: i, epoch: 0, elapsedMs: i * 3.2, ...Object.fromEntries(STEP_METRICS.map((metric, k) => [metric.name, 1 + 0.1 * k - i * 1e-4])) }) as StepMetrics,
    );
    const started = performance.now();
    for (let first = 0; first < rows; first += batchSize) {
      for (let i = 0; i < batchSize; i++) batch[i]!.step = first + i;
      store.appendSteps(run.id, batch);
    }
    const seconds = (performance.now() - started) / 1000;
    const stored = store.getRun(run.id).step;
    if (stored !== Math.ceil(rows / batchSize) * batchSize) throw new Error(`ingestion benchmark stored ${stored} rows, expected ${rows}`);
    return { rows: stored, batchSize, seconds, rowsPerSecond: stored / seconds };
  } finally {
    store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
