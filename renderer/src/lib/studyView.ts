/**
 * What the study view draws and lists, from the service's StudyResults: per arm, the mean over seeds of a
 * metric against the swept value with the edges of its 95 % band (only where there is an interval, so the
 * band never pretends one seed is certain; drawn within [0, 1], while the table gives the interval as
 * computed), and the texts of the cells table.
 */
import type { SeedEstimate, StudyCellResult, StudyDifference, StudyResults } from './contract.js';

export const STUDY_METRICS = ['finalTestAccuracy', 'bestTestAccuracy', 'noisyTrainAccuracy', 'cleanTrainAccuracy'] as const;
export type StudyMetric = (typeof STUDY_METRICS)[number];

export const STUDY_METRIC_TITLES: Readonly<Record<StudyMetric, string>> = {
  finalTestAccuracy: 'Final test accuracy',
  bestTestAccuracy: 'Best test accuracy',
  noisyTrainAccuracy: 'Train accuracy on the noisy labels (as trained on)',
  cleanTrainAccuracy: 'Train accuracy on the clean labels',
};

export interface StudyPoint {
  x: number;
  y: number;
}

export interface StudyArmSeries {
  arm: string;
  color: string;
  /** Means, by x. */
  mean: StudyPoint[];
  /** The band's edges, at the x of every mean that has an interval (both lists alike). */
  low: StudyPoint[];
  high: StudyPoint[];
}

/**
 * One series per arm, in the study's arm order. x is the swept value, or, in a study that sweeps nothing
 * but its arms, the arm's index (one point each).
 */
export function studySeries(results: StudyResults, arms: readonly string[], metric: StudyMetric, colors: ReadonlyMap<string, string>): StudyArmSeries[] {
  return arms.map((arm, index) => {
    const cells = results.cells
      .filter((cell) => cell.arm === arm && cell[metric] !== null)
      .map((cell) => ({ x: cell.value ?? index, estimate: cell[metric]! }))
      .sort((a, b) => a.x - b.x);
    const banded = cells.filter(({ estimate }) => estimate.low !== null && estimate.high !== null);
    // an accuracy lies in [0, 1]; a t interval over few seeds can reach past it, and the chart shows what can be
    const clamp = (value: number) => Math.min(1, Math.max(0, value));
    return {
      arm,
      color: colors.get(arm) ?? '#888888',
      mean: cells.map(({ x, estimate }) => ({ x, y: estimate.mean })),
      low: banded.map(({ x, estimate }) => ({ x, y: clamp(estimate.low!) })),
      high: banded.map(({ x, estimate }) => ({ x, y: clamp(estimate.high!) })),
    };
  });
}

/** A log axis for values spread over a decade or more (ρ 0.02 … 0.5), linear otherwise (label noise from 0). */
export function studyAxisScale(values: readonly number[]): 'linear' | 'logarithmic' {
  if (values.length < 3 || values.some((value) => !(value > 0))) return 'linear';
  return Math.max(...values) / Math.min(...values) >= 10 ? 'logarithmic' : 'linear';
}

/** Percent without the sign, with a typographic minus where an interval reaches below 0. */
const percent = (fraction: number, decimals: number) => (fraction * 100).toFixed(decimals).replace(/^-/, '−');

/** "87.3% [86.1, 88.4]", "87.3% (1 seed, no interval)", or "—". */
export function formatSeedEstimate(estimate: SeedEstimate | null): string {
  if (estimate === null) return '—';
  if (estimate.low === null || estimate.high === null) return `${percent(estimate.mean, 1)}% (${estimate.count === 1 ? '1 seed' : `${estimate.count} seeds`}, no interval)`;
  return `${percent(estimate.mean, 1)}% [${percent(estimate.low, 1)}, ${percent(estimate.high, 1)}]`;
}

const signed = (fraction: number) => {
  const text = Math.abs(fraction * 100).toFixed(1);
  return `${Number(text) === 0 ? '±' : fraction > 0 ? '+' : '−'}${text}`;
};

/** "+1.2 pp [−0.3, +2.7]" (paired over n seeds), "+1.2 pp (1 pair, no interval)". */
export function formatDifference(difference: StudyDifference | undefined): string {
  if (difference === undefined) return '—';
  if (difference.low === null || difference.high === null) return `${signed(difference.mean)} pp (${difference.pairs === 1 ? '1 pair' : `${difference.pairs} pairs`}, no interval)`;
  return `${signed(difference.mean)} pp [${signed(difference.low)}, ${signed(difference.high)}]`;
}

/** Whether the interval of a difference lies wholly on one side of zero. */
export function differenceSign(difference: StudyDifference | undefined): 'better' | 'worse' | 'unclear' {
  if (difference === undefined || difference.low === null || difference.high === null) return 'unclear';
  if (difference.low > 0) return 'better';
  if (difference.high < 0) return 'worse';
  return 'unclear';
}

export function cellDifference(results: StudyResults, cell: StudyCellResult, metric: 'finalTestAccuracy' | 'bestTestAccuracy'): StudyDifference | undefined {
  return results.differences.find((difference) => difference.arm === cell.arm && difference.value === cell.value && difference.metric === metric);
}

/** The swept value as the table and the axis show it: label noise in percent, anything else as is. */
export function formatStudyValue(parameter: string | null, value: number | null): string {
  if (value === null) return '—';
  return parameter === 'labelNoise' ? `${Math.round(value * 1000) / 10} %` : String(value);
}
