/** Picking and summarising stored sharpness analyses for the Run and Compare screens (pure functions). */
import { mean, meanAndDeviation, PENDING_ANALYSIS_STATUSES, type AnalysisInfo, type AnalysisOptions, type Estimate } from './contract.js';

/** Newest first (as the service lists them): the newest completed analysis of each run. */
export function latestCompleted(analyses: readonly AnalysisInfo[]): Map<number, AnalysisInfo> {
  const latest = new Map<number, AnalysisInfo>();
  for (const analysis of analyses) {
    if (analysis.status === 'completed' && analysis.result !== null && !latest.has(analysis.runId)) latest.set(analysis.runId, analysis);
  }
  return latest;
}

export function isPending(analysis: AnalysisInfo | undefined): boolean {
  return analysis !== undefined && PENDING_ANALYSIS_STATUSES.includes(analysis.status);
}

/** Analyses are comparable when they measured with the same options (same seed ⇒ same batches and directions). */
export function sameOptions(analyses: readonly AnalysisInfo[]): boolean {
  const key = (options: AnalysisOptions) => JSON.stringify(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  return analyses.every((analysis) => key(analysis.options) === key(analyses[0]!.options));
}

export interface ArmAnalysis {
  sharpness: Estimate | null;
  eigenvalue: Estimate | null;
  loss: Estimate | null;
  analysed: number;
  /** The mean 1D curve over the arm's analysed runs (their α grids are equal when their options are). */
  curve: { alphas: number[]; losses: number[] } | null;
}

export function summarizeArm(analyses: readonly AnalysisInfo[]): ArmAnalysis {
  const results = analyses.map((analysis) => analysis.result!).filter((result) => result !== null);
  if (results.length === 0) return { sharpness: null, eigenvalue: null, loss: null, analysed: 0, curve: null };
  const alphas = results[0]!.curve.alphas;
  const aligned = results.filter((result) => result.curve.alphas.length === alphas.length);
  return {
    sharpness: meanAndDeviation(results.map((result) => result.sharpness.mean)),
    eigenvalue: meanAndDeviation(results.map((result) => result.hessian.topEigenvalue)),
    loss: meanAndDeviation(results.map((result) => result.loss)),
    analysed: results.length,
    curve: { alphas, losses: alphas.map((_, i) => mean(aligned.map((result) => result.curve.losses[i]!))) },
  };
}

/** One line of a loss-curve chart. */
export interface CurveLine {
  label: string;
  color: string;
  alphas: number[];
  losses: number[];
}
