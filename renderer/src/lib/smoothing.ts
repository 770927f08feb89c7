/**
 * TensorBoard's smoothing: an exponential moving average s_t = w·s_{t−1} + (1−w)·x_t, divided by 1 − w^t so
 * the start is not pulled toward zero. Non-finite values pass through unsmoothed and do not count.
 */
export function smoothDebiased(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return values.slice();
  const clamped = Math.min(weight, 0.999);
  const smoothed = new Array<number>(values.length);
  let average = 0;
  let counted = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isFinite(value)) {
      smoothed[index] = value;
      continue;
    }
    average = clamped * average + (1 - clamped) * value;
    counted += 1;
    smoothed[index] = average / (1 - clamped ** counted);
  }
  return smoothed;
}
