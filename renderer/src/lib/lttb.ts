/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013): keeps the first and last point and, per
 * bucket, the point that spans the largest triangle with its neighbours, so peaks and the curve's shape
 * survive. Used to keep a live tail bounded; chart.js does the same for drawing.
 */
export function lttbIndices(xs: readonly number[], ys: readonly number[], target: number): number[] {
  const length = xs.length;
  if (target >= length) return Array.from({ length }, (_, index) => index);
  if (target < 3) return length > 1 ? [0, length - 1] : [0];
  const picked: number[] = [0];
  const bucketSize = (length - 2) / (target - 2);
  let previous = 0;
  for (let bucket = 0; bucket < target - 2; bucket++) {
    // the average of the next bucket is the triangle's third corner
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, length);
    let averageX = 0;
    let averageY = 0;
    for (let index = nextStart; index < nextEnd; index++) {
      averageX += xs[index]!;
      averageY += ys[index]!;
    }
    const nextCount = nextEnd - nextStart;
    averageX /= nextCount;
    averageY /= nextCount;

    const start = Math.floor(bucket * bucketSize) + 1;
    const end = Math.floor((bucket + 1) * bucketSize) + 1;
    const previousX = xs[previous]!;
    const previousY = ys[previous]!;
    let largestArea = -1;
    let chosen = start;
    for (let index = start; index < end; index++) {
      const area = Math.abs((previousX - averageX) * (ys[index]! - previousY) - (previousX - xs[index]!) * (averageY - previousY));
      if (area > largestArea) {
        largestArea = area;
        chosen = index;
      }
    }
    picked.push(chosen);
    previous = chosen;
  }
  picked.push(length - 1);
  return picked;
}
