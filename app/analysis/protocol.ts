/** Messages between the analysis manager (main side) and an analysis worker thread. */
import type { TrainConfig } from '../training/config.js';
import type { AnalysisOptions, AnalysisProgress, AnalysisResult } from '../domain/analysis.js';

/** Given to the worker at creation (workerData). */
export interface AnalysisTask {
  analysisId: number;
  config: TrainConfig;
  checkpointPath: string;
  options: AnalysisOptions;
}

export type AnalysisWorkerMessage =
  | { type: 'progress'; progress: AnalysisProgress }
  | { type: 'result'; result: AnalysisResult };
