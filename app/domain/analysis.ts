/**
 * The sharpness analysis as the StudioApi shows it (types and plain constants only: the renderer imports
 * this through app/api/types.ts). Every value is plain JSON.
 */

export const ANALYSIS_STATUSES = ['queued', 'running', 'completed', 'failed', 'interrupted'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];
/** An analysis still to finish: waiting for the analysis worker, or being computed. */
export const PENDING_ANALYSIS_STATUSES: readonly AnalysisStatus[] = ['queued', 'running'];

/** What an analysis measures and on what; every field has a default (app/analysis/options.ts). */
export interface AnalysisOptions {
  /** Radius of the ball of SAM sharpness (in the global L2 norm of all parameters). */
  rho: number;
  /** Fixed batches the losses are averaged over. */
  batches: number;
  batchSize: number;
  /** Gradient-ascent steps of the sharpness estimate (1 = SAM's own one-step perturbation). */
  ascentSteps: number;
  /** Most power iterations for the top Hessian eigenvalue. */
  powerIterations: number;
  /** Power iteration stops when successive estimates differ by at most this fraction. */
  tolerance: number;
  /** Seed of the batches, the directions and the starting vectors: the same seed analyses every run alike. */
  seed: number;
  /** Points of the 1D curve (α from −range to range). */
  curvePoints: number;
  /** Points per side of the 2D surface. */
  surfacePoints: number;
  /** α and β go from −range to range, in units of the filter-normalised direction. */
  range: number;
  /** The data split the losses are measured on. */
  split: 'train' | 'test';
}

export type AnalysisRequest = { runId: number } & Partial<AnalysisOptions>;

export type AnalysisPhase = 'loading' | 'sharpness' | 'hessian' | 'curve' | 'surface';

export interface AnalysisProgress {
  phase: AnalysisPhase;
  /** Share of the whole analysis done, 0..1. */
  fraction: number;
}

export interface AnalysisResult {
  /** Training steps of the checkpoint that was analysed. */
  step: number;
  /** Examples the losses were averaged over (batches × batch size, or the whole split if smaller). */
  examples: number;
  batches: number;
  /** Mean loss at the trained weights over the analysis batches (batch norm with its moving statistics). */
  loss: number;
  sharpness: {
    rho: number;
    /** Mean over batches of max_{‖e‖≤ρ} L_B(w+e) − L_B(w). */
    mean: number;
    perBatch: number[];
    ascentSteps: number;
  };
  hessian: {
    topEigenvalue: number;
    iterations: number;
    converged: boolean;
    /** The estimate after each power iteration. */
    history: number[];
    /** Finite-difference step of the Hessian-vector products. */
    epsilon: number;
  };
  /** Loss along one filter-normalised random direction d₁: losses[i] = L(w + alphas[i]·d₁). */
  curve: { alphas: number[]; losses: number[] };
  /** losses[j][i] = L(w + alphas[i]·d₁ + betas[j]·d₂). */
  surface: { alphas: number[]; betas: number[]; losses: number[][] };
  backend: string;
  elapsedMs: number;
  /** Milliseconds per part, to see where the time went. */
  timings: { sharpnessMs: number; hessianMs: number; curveMs: number; surfaceMs: number };
}

export interface AnalysisInfo {
  id: number;
  runId: number;
  status: AnalysisStatus;
  options: AnalysisOptions;
  /** While queued or running; null otherwise. */
  progress: AnalysisProgress | null;
  /** Why it failed or was interrupted. */
  message: string | null;
  result: AnalysisResult | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}
