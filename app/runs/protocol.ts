/** Messages between the run manager (main side) and a training worker thread. */
import type { EpochMetrics, StepMetrics } from '../domain/index.js';
import type { StopMessage } from '../jobs/workerJob.js';
import type { RunStart } from '../store/store.js';
import type { TrainConfig } from '../training/config.js';
import type { RunSummary } from '../training/trainer.js';

/** Given to the worker at creation (workerData). */
export interface WorkerTask {
  runId: number;
  config: TrainConfig;
  /** Folder for this run's checkpoints (the worker writes them; the manager records them). */
  runFolder: string;
  /** Continue from this checkpoint file instead of starting afresh. */
  resumeFrom: string | null;
}

/** `stop`: end between steps with a checkpoint (the job helper's STOP_MESSAGE, app/jobs/workerJob.ts). */
export type ManagerToWorker = { type: 'pause' } | { type: 'unpause' } | StopMessage;

export type WorkerToManager =
  | ({ type: 'started'; resumedAtStep: number } & RunStart)
  | { type: 'steps'; steps: StepMetrics[] }
  | { type: 'epoch'; epoch: EpochMetrics }
  | { type: 'checkpoint'; path: string; bytes: number; step: number }
  | { type: 'finished'; summary: RunSummary };
