/** How runs and comparisons read on a terminal and in --json output. */
import { optimizerTitle, runStanding, type ArmResult, type ComparisonDetail, type Estimate, type RunInfo } from '../api/types.js';
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
    // where it trained: 'local', or 'queue' with the worker's host name
    placement: run.placement,
    workerHost: run.workerHost,
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

/**
 * One row per run. In a comparison (`comparison` true) the accuracy of a run that has not completed is
 * marked: "provisional" while it trains, "not counted" once it ended unfinished (app/domain/comparisonStanding.ts).
 */
export function resultsTable(runs: RunInfo[], options: { comparison?: boolean } = {}): string {
  const marked = (run: RunInfo, text: string) => {
    if (!options.comparison || run.finalTestAccuracy === null) return text;
    const standing = runStanding(run.status);
    return standing === 'completed' ? text : `${text} (${standing === 'provisional' ? 'provisional' : 'not counted'})`;
  };
  return formatTable(
    ['run', 'optimizer', 'seed', 'status', 'final test acc', 'best test acc', 'final train loss', 'steps', 'train s', 'steps/s'],
    runs.map((run) => [
      run.id,
      optimizerLabel(run),
      run.config.seed,
      run.status,
      marked(run, percent(run.finalTestAccuracy)),
      marked(run, percent(run.bestTestAccuracy)),
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

/** The runs that do not count yet and those that never will, each listed apart (empty when every run completed). */
function unfinishedLines(arms: readonly ArmResult[]): string {
  const provisional = arms.flatMap((arm) =>
    arm.provisional.map(
      (p) => `  run ${p.runId} ${arm.arm} seed ${p.seed}: ${p.status}, ${(100 * p.progress).toFixed(0)}% done (epoch ${p.epochsDone} of ${p.epochs}), latest test acc ${percent(p.latestTestAccuracy)} — provisional`,
    ),
  );
  const excluded = arms.flatMap((arm) => arm.excluded.map((e) => `  run ${e.runId} ${arm.arm} seed ${e.seed}: ${e.status} after ${e.epochsDone} of ${e.epochs} epochs${e.message ? ` (${e.message})` : ''}`));
  return [
    ...(provisional.length > 0 ? ['Provisional, still training (not counted yet):', ...provisional] : []),
    ...(excluded.length > 0 ? ['Not counted, ended without completing:', ...excluded] : []),
  ].join('\n');
}

/**
 * Per-arm accuracy over its completed runs, then each arm's paired difference from the baseline with its
 * 95% interval, the runs that do not count (yet), and the winner or what it waits for.
 */
export function describeComparison({ comparison, results }: ComparisonDetail): string {
  const seeds = comparison.seeds.length;
  const arms = formatTable(
    ['optimizer', 'completed', 'final test acc (mean ± sd)', 'best test acc (mean ± sd)'],
    results.arms.map((arm) => [arm.arm + (arm.arm === comparison.baseline ? ' (baseline)' : ''), `${arm.completed} of ${arm.runIds.length}`, meanAndSpread(arm.finalTestAccuracy), meanAndSpread(arm.bestTestAccuracy)]),
  );
  const differences =
    results.differences.length === 0
      ? 'No paired differences yet (no arm has a completed run on the same seed as the baseline).'
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
  const unfinished = unfinishedLines(results.arms);
  const winner = results.winner ? `Highest mean final test accuracy: ${results.winner}.` : (results.winnerPending ?? 'No winner yet.');
  const note = seeds < 2 ? ' With one seed there is no confidence interval: use --seeds 1,2,3 to see whether a gain is real.' : '';
  return `Comparison ${comparison.id} "${comparison.name}" (${seeds} seed${seeds === 1 ? '' : 's'}, paired by seed; only completed runs count)\n${arms}\n\n${differences}\n${unfinished ? `${unfinished}\n` : ''}${winner}${note}`;
}
