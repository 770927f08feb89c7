/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): which points of a long curve to keep so that its shape
 * (peaks, spikes, divergence) survives. Pure and dependency-free, so the service (history for charts) and
 * the renderer (bounding a live tail) share it.
 *
 * Written here rather than taken from the `downsample` package: that one allocates an array per bucket and
 * reads points through accessors, about 20 ms per 100,000-point series on this machine; opening a run
 * downsamples nine such series and must stay under half a second. This loop over plain arrays takes ~1 ms.
 */

/** Indices (into xs/ys) of the points LTTB keeps: the first, the last, and one per bucket between. */
export function largestTriangleThreeBuckets(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const length = xs.length;
  if (threshold >= length) return Array.from({ length }, (_, i) => i);
  // fewer than three points cannot hold the first, the last and a bucket between
  if (threshold < 3) return length > 1 ? [0, length - 1] : [0];
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
