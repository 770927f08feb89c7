/**
 * Shrinks a long metric series to at most `maxPoints` for a chart while keeping its shape (peaks, spikes,
 * divergence): Largest-Triangle-Three-Buckets (Steinarsson 2013), picking original points.
 *
 * Written here rather than taken from the `downsample` package: that one allocates an array per bucket
 * and reads points through accessors, about 20 ms per 100,000-point series on this machine; opening a run
 * downsamples nine such series, and the whole open must stay under half a second. This loop over plain
 * arrays takes about 1 ms.
 */
import type { RawSeries } from '../store/store.js';

/** Indices (into xs/ys) of the points LTTB keeps: the first, the last, and one per bucket between. */
export function largestTriangleThreeBuckets(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const length = xs.length;
  if (threshold >= length || threshold < 3) return Array.from({ length: Math.min(length, Math.max(threshold, 0)) }, (_, i) => i);
  const chosen = [0];
  const bucketSize = (length - 2) / (threshold - 2);
  let previous = 0;
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    // the next bucket's average point is the third corner of every candidate triangle
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, length);
    let averageX = 0;
    let averageY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      averageX += xs[i]!;
      averageY += ys[i]!;
    }
    const nextCount = Math.max(1, nextEnd - nextStart);
    averageX /= nextCount;
    averageY /= nextCount;

    const start = Math.floor(bucket * bucketSize) + 1;
    const end = Math.floor((bucket + 1) * bucketSize) + 1;
    const previousX = xs[previous]!;
    const previousY = ys[previous]!;
    let largestArea = -1;
    let largestAt = start;
    for (let i = start; i < end; i++) {
      const area = Math.abs((previousX - averageX) * (ys[i]! - previousY) - (previousX - xs[i]!) * (averageY - previousY));
      if (area > largestArea) {
        largestArea = area;
        largestAt = i;
      }
    }
    chosen.push(largestAt);
    previous = largestAt;
  }
  chosen.push(length - 1);
  return chosen;
}

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
