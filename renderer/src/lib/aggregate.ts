/** Statistics over the seeds of one comparison arm: the mean curve with a band (mean ± sd: the contract's). */
import { meanAndDeviation } from './contract.js';

export interface Curve {
  /** Sorted ascending. */
  x: readonly number[];
  y: readonly number[];
}

export type BandKind = 'minmax' | 'sd';

export interface BandCurve {
  x: number[];
  mean: number[];
  low: number[];
  high: number[];
}

/** The curve's value at `x` by linear interpolation; NaN outside its range. */
export function interpolateAt(curve: Curve, x: number): number {
  const { x: xs, y: ys } = curve;
  const last = xs.length - 1;
  if (last < 0 || x < xs[0]! || x > xs[last]!) return Number.NaN;
  let low = 0;
  let high = last;
  // binary search for the segment [xs[low], xs[low + 1]] holding x
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (xs[middle]! <= x) low = middle;
    else high = middle;
  }
  const x0 = xs[low]!;
  const x1 = xs[high]!;
  if (x1 === x0) return ys[high]!;
  const t = (x - x0) / (x1 - x0);
  return ys[low]! + t * (ys[high]! - ys[low]!);
}

/**
 * Where to evaluate the mean: the curves' own x values when there are few (epoch metrics, where seeds share
 * their x exactly), otherwise `gridSize` evenly spaced values over their joint range.
 */
export function commonGrid(curves: readonly Curve[], gridSize: number): number[] {
  const distinct = new Set<number>();
  for (const curve of curves) {
    for (const x of curve.x) distinct.add(x);
    if (distinct.size > gridSize) break;
  }
  if (distinct.size <= gridSize) return [...distinct].sort((a, b) => a - b);
  const start = Math.min(...curves.map((curve) => curve.x[0]!));
  const end = Math.max(...curves.map((curve) => curve.x[curve.x.length - 1]!));
  return Array.from({ length: gridSize }, (_, index) => start + ((end - start) * index) / (gridSize - 1));
}

/**
 * Mean of several runs' curves on a common grid of `gridSize` x values, with a band of either the min–max
 * range or ±1 standard deviation. The curves are usually sampled at different x (each was downsampled on
 * its own), hence the interpolation. Where only some runs reach (a run that ended early), only those count.
 */
export function aggregateCurves(curves: readonly Curve[], kind: BandKind, gridSize = 400): BandCurve {
  const result: BandCurve = { x: [], mean: [], low: [], high: [] };
  const present = curves.filter((curve) => curve.x.length > 0);
  if (present.length === 0) return result;
  for (const x of commonGrid(present, gridSize)) {
    const values = present.map((curve) => interpolateAt(curve, x)).filter((value) => Number.isFinite(value));
    if (values.length === 0) continue;
    const summary = meanAndDeviation(values)!;
    const spread = summary.standardDeviation ?? 0;
    result.x.push(x);
    result.mean.push(summary.mean);
    result.low.push(kind === 'sd' ? summary.mean - spread : Math.min(...values));
    result.high.push(kind === 'sd' ? summary.mean + spread : Math.max(...values));
  }
  return result;
}
