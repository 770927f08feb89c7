/** How runs and comparisons read on a terminal and in --json output. */
import { optimizerTitle, type ComparisonDetail, type Estimate, type RunInfo } from '../api/types.js';
import { fixed, formatTable, percent } from './table.js';

export function runReport(run: RunInfo) {
  return {
    id: run.id,
    name: run.name,
    optimizer: run.config.optimizer.name,
    optimizerTitle: optimizerTitle(run.config.optimizer),
    arm: run.arm,
    comparisonId: run.comparisonId,
    seed: run.config.seed,
    status: run.status,
    message: run.message,
    backend: run.backend,
    finalTestAccuracy: run.finalTestAccuracy,
    bestTestAccuracy: run.bestTestAccuracy,
    finalTrainLoss: run.finalTrainLoss,
    steps: run.step,
    totalSteps: run.totalSteps,
    wallSeconds: run.startedAt !== null && run.endedAt !== null ? (run.endedAt - run.startedAt) / 1000 : null,
    // null until the run has started: a queued run has no training time, rather than 0
    trainingSeconds: run.startedAt === null ? null : run.trainingMs / 1000,
    stepsPerSecond: run.stepsPerSecond,
  };
}

/** "12.3 s", or "not started" for a run that has not trained yet (a queued one has no training time, not 0). */
export function trainingTime(run: RunInfo): string {
  return run.startedAt === null ? 'not started' : `${(run.trainingMs / 1000).toFixed(1)} s`;
}

function optimizerLabel(run: RunInfo): string {
  return run.arm ?? optimizerTitle(run.config.optimizer);
}

export function resultsTable(runs: RunInfo[]): string {
  return formatTable(
    ['run', 'optimizer', 'seed', 'status', 'final test acc', 'best test acc', 'final train loss', 'steps', 'train s', 'steps/s'],
    runs.map((run) => [
      run.id,
      optimizerLabel(run),
      run.config.seed,
      run.status,
      percent(run.finalTestAccuracy),
      percent(run.bestTestAccuracy),
      fixed(run.finalTrainLoss, 4),
      run.step,
      run.startedAt === null ? '—' : (run.trainingMs / 1000).toFixed(1),
      fixed(run.stepsPerSecond, 2),
    ]),
  );
}

function meanAndSpread(estimate: Estimate | null): string {
  if (!estimate) return '—';
  const spread = estimate.standardDeviation === null ? '' : ` ± ${(100 * estimate.standardDeviation).toFixed(2)}`;
  return `${(100 * estimate.mean).toFixed(2)}${spread}%`;
}

function points(value: number | null): string {
  return value === null ? '—' : `${value >= 0 ? '+' : ''}${(100 * value).toFixed(2)}`;
}

/** Per-arm accuracy over seeds, then each arm's paired difference from the baseline with its 95% interval. */
export function describeComparison({ comparison, results }: ComparisonDetail): string {
  const seeds = comparison.seeds.length;
  const arms = formatTable(
    ['optimizer', 'runs', 'final test acc (mean ± sd)', 'best test acc (mean ± sd)'],
    results.arms.map((arm) => [arm.arm + (arm.arm === comparison.baseline ? ' (baseline)' : ''), arm.runIds.length, meanAndSpread(arm.finalTestAccuracy), meanAndSpread(arm.bestTestAccuracy)]),
  );
  const differences =
    results.differences.length === 0
      ? 'No paired differences yet (no arm has a finished epoch on the same seed as the baseline).'
      : formatTable(
          ['optimizer − baseline', 'metric', 'seeds', 'mean difference (points)', '95% CI (points)'],
          results.differences.map((d) => [
            `${d.arm} − ${d.baseline}`,
            d.metric === 'finalTestAccuracy' ? 'final test acc' : 'best test acc',
            d.pairs,
            points(d.meanDifference),
            d.low === null ? 'needs ≥ 2 seeds' : `[${points(d.low)}, ${points(d.high)}]`,
          ]),
        );
  const winner = results.winner ? `Highest mean final test accuracy: ${results.winner}.` : 'No winner yet: some runs have not ended.';
  const note = seeds < 2 ? ' With one seed there is no confidence interval: use --seeds 1,2,3 to see whether a gain is real.' : '';
  return `Comparison ${comparison.id} "${comparison.name}" (${seeds} seed${seeds === 1 ? '' : 's'}, paired by seed)\n${arms}\n\n${differences}\n${winner}${note}`;
}
