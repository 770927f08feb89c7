/**
 * What Compare draws one colour per: a comparison's arms (each the mean over its seeds), or runs picked by
 * hand (each run alone, unless several picked runs are seeds of one comparison arm).
 */
import { ACTIVE_STATUSES, assignColors, meanAndDeviation } from './contract.js';
import type { ComparisonDetail, Estimate, RunInfo } from './contract.js';

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
  final: Estimate | null;
  best: Estimate | null;
}

function estimate(values: (number | null)[]): Estimate | null {
  return meanAndDeviation(values.filter((value): value is number => value !== null));
}

/** Mean ± sd of final and best test accuracy over a group's runs (picked runs have no server results). */
export function summarizeGroup(group: ArmGroup): GroupSummary {
  return { final: estimate(group.runs.map((run) => run.finalTestAccuracy)), best: estimate(group.runs.map((run) => run.bestTestAccuracy)) };
}

/** The group with the highest mean final test accuracy, once every run has ended and there is a choice. */
export function leadingGroup(groups: readonly ArmGroup[]): string | null {
  if (groups.length < 2 || groups.some((group) => group.runs.some((run) => ACTIVE_STATUSES.includes(run.status)))) return null;
  let best: { key: string; mean: number } | null = null;
  for (const group of groups) {
    const mean = summarizeGroup(group).final?.mean;
    if (mean !== undefined && (best === null || mean > best.mean)) best = { key: group.key, mean };
  }
  return best?.key ?? null;
}
