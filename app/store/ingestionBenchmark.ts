/**
 * How fast the store takes metric rows: what decides whether many fast runs can stream into one file. Rows
 * go in the way a worker sends them (batches, one transaction per batch) into a fresh file in a temporary
 * folder, deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepMetrics } from '../api/types.js';
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
    const batch: StepMetrics[] = Array.from({ length: batchSize }, (_, i) => ({
      step: i,
      epoch: 0,
      loss: 2.3 - i * 1e-4,
      perturbedLoss: 2.31 - i * 1e-4,
      gradientNorm: 1.5,
      perturbationNorm: 0.05,
      emaNorm: 1.2,
      gradientEmaCosine: 0.4,
      learningRate: 0.1,
      stepMs: 3.2,
      samplesPerSecond: 40_000,
      elapsedMs: i * 3.2,
    }));
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
