/**
 * The summary statistics that the service (a comparison's results), the HTML report and the renderer (Compare,
 * the seed bands, the analysis tables) all show, computed one way. Pure and dependency-free: the renderer
 * bundles it through renderer/src/lib/contract.ts. (The confidence interval of a paired difference needs
 * Student's t and stays with the service: app/analysis/pairedStatistics.ts.)
 */
import type { Estimate } from './comparisons.js';

/** The arithmetic mean of the finite values; NaN when there are none. */
export function mean(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.reduce((sum, value) => sum + value, 0) / finite.length;
}

/** The sample mean and standard deviation (n − 1) of the finite values; sd is null for one value, the whole null for none. */
export function meanAndDeviation(values: readonly number[]): Estimate | null {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return null;
  const average = mean(finite);
  if (finite.length < 2) return { mean: average, standardDeviation: null, count: 1 };
  const variance = finite.reduce((sum, value) => sum + (value - average) ** 2, 0) / (finite.length - 1);
  return { mean: average, standardDeviation: Math.sqrt(variance), count: finite.length };
}
