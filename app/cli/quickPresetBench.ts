/**
 * `bench --quick-preset`: how long `compare --preset quick` (sgd, sam and fsam on the built-in data) takes on
 * this machine, and each run's accuracy and speed. Trained the way compare trains them (worker threads, the
 * default concurrency) but into a temporary store, so the user's own runs are left alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StudioService } from '../api/service.js';
import { PRESETS } from '../training/presets.js';
import { buildRunConfig } from './runOptions.js';

const OPTIMIZERS = ['sgd', 'sam', 'fsam'] as const;

export interface QuickPresetTiming {
  /** Wall time of the whole comparison, from creating it to its last run's end. */
  seconds: number;
  trainCount: number;
  testCount: number;
  epochs: number;
  concurrency: number;
  runs: { optimizer: string; status: string; message: string | null; finalTestAccuracy: number | null; wallSeconds: number | null; stepsPerSecond: number | null }[];
}

/** The preset's example counts times `scale` (0 < scale ≤ 1; 1: the preset as it is): at least one batch to train on, ten to test. */
function scaledCounts(scale: number): { trainCount: number; testCount: number } {
  const { data, batchSize } = PRESETS.quick!.config as { data: { trainCount: number; testCount: number }; batchSize: number };
  return { trainCount: Math.max(batchSize, Math.round(data.trainCount * scale)), testCount: Math.max(10, Math.round(data.testCount * scale)) };
}

export async function timeQuickPreset(options: { scale: number; onProgress?: (message: string) => void }): Promise<QuickPresetTiming> {
  const { trainCount, testCount } = scaledCounts(options.scale);
  const config = buildRunConfig({ preset: 'quick', 'train-count': String(trainCount), 'test-count': String(testCount) }, OPTIMIZERS[0]);
  const folder = mkdtempSync(join(tmpdir(), 'fsam-bench-quick-'));
  const service = StudioService.open({ databasePath: join(folder, 'studio.db') });
  try {
    const started = performance.now();
    const detail = await service.createComparison({ name: 'bench: quick preset', config, arms: OPTIMIZERS.map((name) => ({ optimizer: { name } })), seeds: [config.seed] });
    let ended = 0;
    const runs = await Promise.all(
      detail.comparison.runIds.map(async (runId) => {
        const run = await service.manager.waitForEnd(runId);
        options.onProgress?.(`quick preset: ${++ended}/${OPTIMIZERS.length} runs ended`);
        return run;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      seconds,
      trainCount,
      testCount,
      epochs: config.epochs,
      concurrency: service.manager.concurrency,
      runs: runs.map((run) => ({
        optimizer: run.config.optimizer.name,
        status: run.status,
        message: run.message,
        finalTestAccuracy: run.finalTestAccuracy,
        wallSeconds: run.startedAt !== null && run.endedAt !== null ? (run.endedAt - run.startedAt) / 1000 : null,
        stepsPerSecond: run.stepsPerSecond,
      })),
    };
  } finally {
    await service.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The section's lines for the text report. */
export function describeQuickPreset(timing: QuickPresetTiming): string[] {
  const percent = (value: number | null) => (value === null ? '—' : `${(100 * value).toFixed(1)} %`);
  const fixed = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));
  return [
    `quick preset (compare ${OPTIMIZERS.join(', ')}; ${timing.trainCount.toLocaleString('en')} train / ${timing.testCount.toLocaleString('en')} test examples, ${timing.epochs} epochs, ${timing.concurrency} at once): ${timing.seconds.toFixed(1)} s`,
    ...timing.runs.map((run) => `  ${run.optimizer}: ${run.status}${run.status === 'completed' || !run.message ? '' : ` (${run.message})`}, final test accuracy ${percent(run.finalTestAccuracy)}, ${fixed(run.wallSeconds, 1)} s, ${fixed(run.stepsPerSecond, 2)} steps/s`),
  ];
}
