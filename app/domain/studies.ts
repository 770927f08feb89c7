/**
 * A study: a base config, its arms (optimizers), at most one swept numeric setting and a list of seeds — the
 * grid of runs the paper's findings rest on, kept as one object. Each value of the swept setting is one
 * comparison of the arms over the seeds (paired by seed); the study owns those comparisons and their runs.
 */

/** The settings a study can sweep, and where each sits in a run's config. */
export const STUDY_PARAMETERS = ['rho', 'lambda', 'sigma', 'lr', 'labelNoise'] as const;
export type StudyParameter = (typeof STUDY_PARAMETERS)[number];

export const STUDY_PARAMETER_LABELS: Readonly<Record<StudyParameter, string>> = {
  rho: 'ρ',
  lambda: 'λ',
  sigma: 'σ',
  lr: 'learning rate',
  labelNoise: 'label noise (symmetric fraction)',
};

export interface StudyAxis {
  parameter: StudyParameter;
  values: number[];
}

/** One value of the swept setting: its comparison, with every arm's runs over the seeds. */
export interface StudyCellInfo {
  /** The swept setting's value; null in a study that sweeps nothing but its arms. */
  value: number | null;
  comparisonId: number;
}

export interface StudyInfo {
  id: number;
  name: string;
  createdAt: number;
  /** The preset it came from ("paper-rho"), or null. */
  preset: string | null;
  arms: string[];
  baseline: string;
  axis: StudyAxis | null;
  seeds: number[];
  cells: StudyCellInfo[];
  runIds: number[];
  /** Runs by how far they got: all ended (any way), still to train (queued, running, paused), resumable. */
  progress: { total: number; completed: number; active: number; unfinished: number };
}

/** A mean over seeds with its 95 % Student-t interval (null with fewer than two seeds). */
export interface SeedEstimate {
  mean: number;
  low: number | null;
  high: number | null;
  /** Seeds with a value (completed runs). */
  count: number;
}

/** One arm at one value of the swept setting. */
export interface StudyCellResult {
  arm: string;
  value: number | null;
  runIds: number[];
  completed: number;
  finalTestAccuracy: SeedEstimate | null;
  bestTestAccuracy: SeedEstimate | null;
  /** Label noise only: the last epoch's train accuracy on the noisy labels (as trained on) and on the clean ones. */
  noisyTrainAccuracy: SeedEstimate | null;
  cleanTrainAccuracy: SeedEstimate | null;
}

/** The paired difference arm − baseline at one value, over the seeds both completed. */
export interface StudyDifference {
  arm: string;
  baseline: string;
  value: number | null;
  metric: 'finalTestAccuracy' | 'bestTestAccuracy';
  pairs: number;
  mean: number;
  low: number | null;
  high: number | null;
}

export interface StudyResults {
  cells: StudyCellResult[];
  differences: StudyDifference[];
  /** "1 seed: no confidence interval" and the like, for every view to show as is. */
  notes: string[];
}

/** What a study exports to: a table of every cell, its results as JSON, or an HTML report. */
export const STUDY_EXPORT_FORMATS = ['csv', 'json', 'report'] as const;
export type StudyExportFormat = (typeof STUDY_EXPORT_FORMATS)[number];

export interface StudyDetail {
  study: StudyInfo;
  results: StudyResults;
}
