/**
 * Is one optimizer's gain real? Runs of a comparison share seeds (same initial weights, same batches), so an
 * arm is compared with the baseline seed by seed: the mean of the paired differences with a 95% Student-t
 * confidence interval. Pairing removes the seed-to-seed variance that unpaired means would carry.
 */
import jStat from 'jstat';
import { meanAndDeviation } from '../domain/statistics.js';
import { armStanding, winnerPending, type ArmResult, type ComparisonResults, type PairedDifference } from '../domain/index.js';
import { type RunInfo } from '../store/records.js';

const METRICS = ['finalTestAccuracy', 'bestTestAccuracy'] as const;
type Metric = (typeof METRICS)[number];

/** Mean ± sd over seeds, as the renderer and the report compute it (app/domain/statistics.ts). */
export const estimate = meanAndDeviation;

/** Mean of the paired differences and its two-sided confidence interval (null with a single pair). */
export function pairedDifference(differences: readonly number[], confidence = 0.95): { mean: number; low: number | null; high: number | null } {
  const summary = estimate(differences);
  if (!summary) throw new RangeError('a paired difference needs at least one pair');
  if (summary.standardDeviation === null) return { mean: summary.mean, low: null, high: null };
  const t = jStat.studentt.inv(1 - (1 - confidence) / 2, summary.count - 1);
  const halfWidth = (t * summary.standardDeviation) / Math.sqrt(summary.count);
  return { mean: summary.mean, low: summary.mean - halfWidth, high: summary.mean + halfWidth };
}

/**
 * Per-arm summaries and every arm's paired difference against the baseline, over the runs' seeds. Only
 * completed runs count (app/domain/comparisonStanding.ts): unfinished ones are listed as provisional, those
 * that ended unfinished as excluded, and the winner waits until every arm's run of every one of `seeds`
 * (the comparison's paired seeds; by default every seed a run has) has completed.
 */
export function comparisonResults(arms: readonly string[], baseline: string, runs: readonly RunInfo[], seeds?: readonly number[]): ComparisonResults {
  const runsOf = (arm: string) => runs.filter((run) => run.arm === arm);
  const standings = new Map(arms.map((arm) => [arm, armStanding(runsOf(arm))]));
  const valueBySeed = (arm: string, metric: Metric) =>
    new Map((standings.get(arm)?.completed ?? []).flatMap((run) => (run[metric] === null ? [] : [[run.config.seed, run[metric]] as const])));

  const armResults: ArmResult[] = arms.map((arm) => {
    const standing = standings.get(arm)!;
    return {
      arm,
      runIds: runsOf(arm).map((run) => run.id),
      completed: standing.completed.length,
      finalTestAccuracy: estimate([...valueBySeed(arm, 'finalTestAccuracy').values()]),
      bestTestAccuracy: estimate([...valueBySeed(arm, 'bestTestAccuracy').values()]),
      provisional: standing.provisional,
      excluded: standing.excluded,
    };
  });

  const differences: PairedDifference[] = [];
  for (const arm of arms) {
    if (arm === baseline) continue;
    for (const metric of METRICS) {
      const base = valueBySeed(baseline, metric);
      const paired = [...valueBySeed(arm, metric)].filter(([seed]) => base.has(seed)).map(([seed, value]) => value - base.get(seed)!);
      if (paired.length === 0) continue;
      const { mean, low, high } = pairedDifference(paired);
      differences.push({ arm, baseline, metric, pairs: paired.length, meanDifference: mean, low, high });
    }
  }

  const pairedSeeds = seeds ?? [...new Set(runs.map((run) => run.config.seed))].sort((a, b) => a - b);
  const pending = winnerPending(arms.map((arm) => ({ arm, runs: runsOf(arm) })), pairedSeeds);
  const ranked = armResults.filter((a) => a.finalTestAccuracy !== null).sort((a, b) => b.finalTestAccuracy!.mean - a.finalTestAccuracy!.mean);
  const winner = pending === null && ranked.length > 0 ? ranked[0]!.arm : null;
  return { arms: armResults, differences, winner, winnerPending: winner === null ? (pending ?? 'No winner yet: no arm has a test accuracy.') : null };
}
