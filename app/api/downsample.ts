/**
 * Shrinks a long metric series to at most `maxPoints` for a chart while keeping its shape (peaks, spikes,
 * divergence): Largest-Triangle-Three-Buckets from the `downsample` package, picking original points.
 */
import { createLTTB } from 'downsample';
import type { RawSeries } from '../store/store.js';

export function downsampleSeries(series: RawSeries, maxPoints: number): RawSeries {
  // LTTB needs numbers: points without a value (SGD has no perturbed loss) are left out first
  const present: number[] = [];
  series.values.forEach((value, index) => {
    if (value !== null && Number.isFinite(value)) present.push(index);
  });
  let chosen = present;
  if (present.length > maxPoints) {
    const lttb = createLTTB<number>({ x: (index: number) => series.steps[index]!, y: (index: number) => series.values[index]! });
    chosen = Array.from(lttb(present, maxPoints) as ArrayLike<number>);
  }
  return {
    steps: chosen.map((i) => series.steps[i]!),
    elapsedMs: chosen.map((i) => series.elapsedMs[i]!),
    values: chosen.map((i) => series.values[i]!),
  };
}
