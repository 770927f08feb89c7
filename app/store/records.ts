/**
 * What the store keeps about a run and a comparison, as the service hands it out. These embed the validated
 * TrainConfig, so they live here (above training) rather than in app/domain.
 */
import type { ComparisonInfo, ComparisonResults, EpochMetrics, RunFile, RunStatus, RunTransition, StepMetrics } from '../domain/index.js';
import type { TrainConfig } from '../training/config.js';

/** Where a run trains: this machine's run manager, or a remote worker that took it from the job queue. */
export type RunPlacement = 'local' | 'queue';

/** One row of the runs table: everything the Runs screen shows, without the per-step history. */
export interface RunInfo {
  id: number;
  name: string;
  status: RunStatus;
  config: TrainConfig;
  /**
   * Set when the stored config no longer validates ("Run 7's stored config no longer validates — optimizer.lambda: …"):
   * `config` then holds only the stored fields, for showing, and resuming, analysing or exporting the run is refused.
   */
  configProblem?: string;
  /** The TF.js backend the run trained on ("wasm", "tensorflow", "cpu"), once its worker has started. */
  backend: string | null;
  device: string | null;
  /** Milliseconds since 1970 (Date.now()). */
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Why the run failed, diverged or was stopped, in words for the user. */
  message: string | null;
  comparisonId: number | null;
  /** The comparison arm this run belongs to ("sam", "fsam", "fsam λ=0.95"); null outside comparisons. */
  arm: string | null;
  parameterCount: number | null;
  stepsPerEpoch: number | null;
  totalSteps: number | null;
  /** Steps recorded so far. */
  step: number;
  /** Epochs finished so far. */
  epochsDone: number;
  finalTestAccuracy: number | null;
  bestTestAccuracy: number | null;
  finalTrainLoss: number | null;
  /** Training steps per second (evaluation excluded). */
  stepsPerSecond: number | null;
  /** Training time so far, in milliseconds. */
  trainingMs: number;
  /** Where it trains: 'local' (this machine) or 'queue' (a remote worker, app/queue). */
  placement: RunPlacement;
  /** The machine a remote worker trains it on, once one has started it; null for local runs. */
  workerHost: string | null;
  /** How many times it was handed to the job queue (each enqueue is one job, `${runId}-${attempt}`). */
  queueAttempt: number;
}

export interface RunDetail {
  run: RunInfo;
  classNames: string[];
  epochs: EpochMetrics[];
  transitions: RunTransition[];
  files: RunFile[];
}

export interface ComparisonDetail {
  comparison: ComparisonInfo;
  runs: RunInfo[];
  results: ComparisonResults;
}


/** What a metric subscription delivers: first the history after `afterStep`, then the live tail, in order. */
export type RunStreamEvent =
  | { type: 'steps'; runId: number; steps: StepMetrics[] }
  | { type: 'epoch'; runId: number; epoch: EpochMetrics }
  /** The run resumed from a checkpoint: steps after `step` were dropped and will be trained again. */
  | { type: 'rewind'; runId: number; step: number; epochsDone: number }
  | { type: 'run'; run: RunInfo };

export type Unsubscribe = () => void;
/** Told why a subscription failed; after it, the subscription is over (see StudioApi.onRunUpdate). */
export type SubscriptionErrorListener = (error: Error) => void;

