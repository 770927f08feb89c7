/**
 * What Compare draws one colour per: a comparison's arms (each the mean over its seeds), or runs picked by
 * hand (each run alone, unless several picked runs are seeds of one comparison arm).
 */
import { armStanding, assignColors, meanAndDeviation, winnerPending } from './contract.js';
import type { ComparisonDetail, ComparisonResults, Estimate, ExcludedRun, ProvisionalRun, RunInfo } from './contract.js';

export interface ArmGroup {
  key: string;
  label: string;
  optimizer: string;
  color: string;
  runs: RunInfo[];
}

function withColors(groups: Omit<ArmGroup, 'color'>[]): ArmGroup[] {
  const colors = assignColors(groups.map((group) => ({ key: group.key, optimizer: group.optimizer })));
  return groups.map((group) => ({ ...group, color: colors.get(group.key)! }));
}

export function groupsForComparison(detail: ComparisonDetail): ArmGroup[] {
  return withColors(
    detail.comparison.arms.map((arm) => {
      const runs = detail.runs.filter((run) => run.arm === arm);
      return { key: arm, label: arm, optimizer: runs[0]?.config.optimizer.name ?? arm.split(' ')[0]!, runs };
    }),
  );
}

export function groupsForRuns(runs: readonly RunInfo[]): ArmGroup[] {
  const groups = new Map<string, Omit<ArmGroup, 'color'>>();
  for (const run of runs) {
    const inArm = run.comparisonId !== null && run.arm !== null;
    // keys end up in test ids (compare-row-<key>)
    const key = inArm ? `comparison-${run.comparisonId}-${run.arm}` : `run-${run.id}`;
    const existing = groups.get(key);
    if (existing !== undefined) existing.runs.push(run);
    else groups.set(key, { key, label: inArm ? `${run.arm} (comparison #${run.comparisonId})` : `#${run.id} ${run.name}`, optimizer: run.config.optimizer.name, runs: [run] });
  }
  return withColors([...groups.values()]);
}

export interface GroupSummary {
  /** Over the group's completed runs only (app/domain/comparisonStanding.ts). */
  final: Estimate | null;
  best: Estimate | null;
  completed: number;
  /** Runs still queued, training or paused: shown with their progress, counted nowhere. */
  provisional: ProvisionalRun[];
  /** Runs that ended without completing: listed apart, never counted. */
  excluded: ExcludedRun[];
}

function estimate(values: (number | null)[]): Estimate | null {
  return meanAndDeviation(values.filter((value): value is number => value !== null));
}

/** Mean ± sd of final and best test accuracy over a group's completed runs, and where its other runs stand. */
export function summarizeGroup(group: ArmGroup): GroupSummary {
  const standing = armStanding(group.runs);
  return {
    final: estimate(standing.completed.map((run) => run.finalTestAccuracy)),
    best: estimate(standing.completed.map((run) => run.bestTestAccuracy)),
    completed: standing.completed.length,
    provisional: standing.provisional,
    excluded: standing.excluded,
  };
}

/**
 * Why picked runs have no leader yet (null once they may have one): every group needs runs and every run
 * must have completed. Runs picked by hand are not paired by seed.
 */
export function pickedRunsPending(groups: readonly ArmGroup[]): string | null {
  if (groups.length < 2) return null;
  return winnerPending(groups.map((group) => ({ arm: group.label, runs: group.runs })), null);
}

/** The group with the highest mean final test accuracy, once every run has completed and there is a choice. */
export function leadingGroup(groups: readonly ArmGroup[]): string | null {
  if (groups.length < 2 || pickedRunsPending(groups) !== null) return null;
  let best: { key: string; mean: number } | null = null;
  for (const group of groups) {
    const mean = summarizeGroup(group).final?.mean;
    if (mean !== undefined && (best === null || mean > best.mean)) best = { key: group.key, mean };
  }
  return best?.key ?? null;
}

/** The winner and why there is none yet: the service's for a saved comparison, the picked runs' own otherwise. */
export function compareVerdict(groups: readonly ArmGroup[], results: ComparisonResults | null): { winner: string | null; pending: string | null } {
  if (results !== null) return { winner: results.winner, pending: results.winner === null ? results.winnerPending : null };
  const winner = leadingGroup(groups);
  return { winner, pending: winner === null ? pickedRunsPending(groups) : null };
}
