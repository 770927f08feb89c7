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

export interface ArmResult {
  arm: string;
  runIds: number[];
  finalTestAccuracy: Estimate | null;
  bestTestAccuracy: Estimate | null;
}

export interface PairedDifference {
  arm: string;
  baseline: string;
  metric: 'finalTestAccuracy' | 'bestTestAccuracy';
  /** Seeds where both the arm and the baseline have a value. */
  pairs: number;
  meanDifference: number;
  /** 95% confidence interval of the mean paired difference (Student t over seeds); null with one pair. */
  low: number | null;
  high: number | null;
}

export interface ComparisonResults {
  arms: ArmResult[];
  differences: PairedDifference[];
  /** The arm with the highest mean final test accuracy, once every run has ended. */
  winner: string | null;
}
