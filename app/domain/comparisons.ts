import type { RunStatus } from './runStatus.js';

/** A comparison: runs of several arms over paired seeds, and the statistics computed over them. */
export interface ComparisonInfo {
  id: number;
  name: string;
  createdAt: number;
  arms: string[];
  baseline: string;
  seeds: number[];
  /** What differs between the runs: "optimizer", its settings ("rho", "lambda", …) and "seed". */
  varies: string[];
  runIds: number[];
}

export interface Estimate {
  mean: number;
  standardDeviation: number | null;
  count: number;
}

/**
 * A run of an arm that has not ended (queued, running, paused): shown with its progress, its accuracy only
 * as provisional. It counts in no mean, no paired difference and no winner.
 */
export interface ProvisionalRun {
  runId: number;
  seed: number;
  status: RunStatus;
  /** The share of its steps done, 0–1. */
  progress: number;
  epochsDone: number;
  epochs: number;
  /** Test accuracy after its latest finished epoch; null before the first. */
  latestTestAccuracy: number | null;
}

/** A run that ended without completing (stopped, interrupted, diverged, failed): listed apart, never counted. */
export interface ExcludedRun {
  runId: number;
  seed: number;
  status: RunStatus;
  epochsDone: number;
  epochs: number;
  /** Why it ended, as the run recorded it (null when it gave no reason). */
  message: string | null;
}

export interface ArmResult {
  arm: string;
  runIds: number[];
  /** How many of its runs completed: the only ones its estimates and the paired differences use. */
  completed: number;
  /** Mean ± sd over its completed runs; null before the first completes. */
  finalTestAccuracy: Estimate | null;
  bestTestAccuracy: Estimate | null;
  provisional: ProvisionalRun[];
  excluded: ExcludedRun[];
}

export interface PairedDifference {
  arm: string;
  baseline: string;
  metric: 'finalTestAccuracy' | 'bestTestAccuracy';
  /** Seeds where both the arm's and the baseline's run completed. */
  pairs: number;
  meanDifference: number;
  /** 95% confidence interval of the mean paired difference (Student t over seeds); null with one pair. */
  low: number | null;
  high: number | null;
}

export interface ComparisonResults {
  arms: ArmResult[];
  differences: PairedDifference[];
  /**
   * The arm with the highest mean final test accuracy, once every arm's run of every paired seed has
   * completed; null until then, with `winnerPending` saying what it waits for.
   */
  winner: string | null;
  /** Why there is no winner yet, in words for the user ("No winner yet: sam seed 1 is running, …"); null once there is one. */
  winnerPending: string | null;
}
