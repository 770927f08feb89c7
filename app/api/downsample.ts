/**
 * Shrinks a long metric series to at most `maxPoints` for a chart while keeping its shape (peaks, spikes,
 * divergence), picking original points with LTTB.
 */
import type { RawSeries } from '../store/store.js';
import { largestTriangleThreeBuckets } from './lttb.js';

export function downsampleSeries(series: RawSeries, maxPoints: number): RawSeries {
  // points without a value (SGD has no perturbed loss, a diverged step has NaN) are left out first
  const present: number[] = [];
  series.values.forEach((value, index) => {
    if (value !== null && Number.isFinite(value)) present.push(index);
  });
  let chosen = present;
  if (present.length > maxPoints) {
    const xs = present.map((i) => series.steps[i]!);
    const ys = present.map((i) => series.values[i]!);
    chosen = largestTriangleThreeBuckets(xs, ys, maxPoints).map((k) => present[k]!);
  }
  return {
    steps: chosen.map((i) => series.steps[i]!),
    elapsedMs: chosen.map((i) => series.elapsedMs[i]!),
    values: chosen.map((i) => series.values[i]!),
  };
}
