/**
 * A study's answer: for every arm at every value of the swept setting, the mean over seeds of the final and
 * best test accuracy with a 95 % Student-t interval (and, under label noise, the train accuracy on the noisy
 * and on the clean labels), and the paired difference of each arm against the baseline per value. Only
 * completed runs count: a run still training, or one that ended otherwise, adds nothing.
 */
import type { EpochMetrics, SeedEstimate, StudyCellResult, StudyDifference, StudyInfo, StudyResults } from '../domain/index.js';
import type { RunInfo } from '../store/records.js';
import { pairedDifference } from './pairedStatistics.js';

export interface StudyCellRuns {
  value: number | null;
  runs: readonly RunInfo[];
}

/** Mean and 95 % interval over seeds: the same Student-t interval as a paired difference (mean ± t·s/√n). */
export function seedEstimate(values: readonly number[]): SeedEstimate | null {
  if (values.length === 0) return null;
  const { mean, low, high } = pairedDifference(values);
  return { mean, low, high, count: values.length };
}

const METRICS = ['finalTestAccuracy', 'bestTestAccuracy'] as const;

export function studyResults(study: StudyInfo, cells: readonly StudyCellRuns[], readLastEpoch: (runId: number) => EpochMetrics | undefined): StudyResults {
  // each run's last epoch is read from the store once, however many columns need it (the view polls this)
  const lastEpochs = new Map<number, EpochMetrics | undefined>();
  const lastEpoch = (runId: number) => {
    if (!lastEpochs.has(runId)) lastEpochs.set(runId, readLastEpoch(runId));
    return lastEpochs.get(runId);
  };
  const results: StudyCellResult[] = [];
  const differences: StudyDifference[] = [];
  for (const { value, runs } of cells) {
    const completedOf = (arm: string) => runs.filter((run) => run.arm === arm && run.status === 'completed');
    const bySeed = (arm: string, read: (run: RunInfo) => number | null | undefined) =>
      new Map(completedOf(arm).flatMap((run) => {
        const v = read(run);
        return v === null || v === undefined ? [] : [[run.config.seed, v] as const];
      }));
    for (const arm of study.arms) {
      const completed = completedOf(arm);
      const estimateOf = (read: (run: RunInfo) => number | null | undefined) => seedEstimate([...bySeed(arm, read).values()]);
      const noisy = study.axis?.parameter === 'labelNoise';
      results.push({
        arm,
        value,
        runIds: runs.filter((run) => run.arm === arm).map((run) => run.id),
        completed: completed.length,
        finalTestAccuracy: estimateOf((run) => run.finalTestAccuracy),
        bestTestAccuracy: estimateOf((run) => run.bestTestAccuracy),
        noisyTrainAccuracy: noisy ? estimateOf((run) => lastEpoch(run.id)?.train.accuracy) : null,
        cleanTrainAccuracy: noisy ? estimateOf((run) => lastEpoch(run.id)?.train.cleanAccuracy ?? lastEpoch(run.id)?.train.accuracy) : null,
      });
    }
    for (const arm of study.arms) {
      if (arm === study.baseline) continue;
      for (const metric of METRICS) {
        const base = bySeed(study.baseline, (run) => run[metric]);
        const paired = [...bySeed(arm, (run) => run[metric])].filter(([seed]) => base.has(seed)).map(([seed, v]) => v - base.get(seed)!);
        if (paired.length === 0) continue;
        differences.push({ arm, baseline: study.baseline, value, metric, pairs: paired.length, ...pairedDifference(paired) });
      }
    }
  }
  const notes: string[] = [];
  if (study.seeds.length === 1) notes.push('One seed: the means have no confidence interval. Add seeds to see how far they can be trusted.');
  const { total, completed, active, unfinished } = study.progress;
  if (completed < total) {
    const parts = [active > 0 ? `${active} to train` : '', unfinished > 0 ? `${unfinished} to resume` : '', total - completed - active - unfinished > 0 ? `${total - completed - active - unfinished} ended without completing` : ''];
    notes.push(`${completed} of ${total} runs completed (${parts.filter(Boolean).join(', ')}): every number is over completed runs only.`);
  }
  return { cells: results, differences, notes };
}
