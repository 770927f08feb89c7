/**
 * What a run measures. STEP_METRICS is the one table of per-step metrics: the optimizer packs the
 * `optimizer` ones into its step tensor in this order, the trainer adds the `trainer` ones, the store keeps
 * each in its `column` (adding a metric is a row here plus a migration adding the column), the CSV/JSON
 * export writes them, and the renderer's charts take their labels and units from here.
 */
import type { OptimizerName } from './optimizers.js';

export interface StepMetricDefinition {
  readonly name: string;
  /** Short label for legends and table headers. */
  readonly label: string;
  /** '' for a pure number. */
  readonly unit: '' | 'ms' | 'samples/s';
  /** Optimizers that report it; for the others the value is null. */
  readonly optimizers: readonly OptimizerName[];
  /** Computed inside the optimizer's step (one packed tensor) or by the trainer around it. */
  readonly source: 'optimizer' | 'trainer';
  /** Its column in the store's step_metrics table. */
  readonly column: string;
  readonly description: string;
}

const ALL = ['sgd', 'sam', 'fsam'] as const;
const PERTURBED = ['sam', 'fsam'] as const;

export const STEP_METRICS = [
  { name: 'loss', label: 'loss', unit: '', optimizers: ALL, source: 'optimizer', column: 'loss', description: 'Mini-batch cross-entropy at w' },
  { name: 'perturbedLoss', label: 'perturbed loss', unit: '', optimizers: PERTURBED, source: 'optimizer', column: 'perturbed_loss', description: 'Mini-batch loss at w + e' },
  { name: 'gradientNorm', label: '‖g‖', unit: '', optimizers: ALL, source: 'optimizer', column: 'gradient_norm', description: 'Norm of the mini-batch gradient at w' },
  { name: 'perturbationNorm', label: '‖e‖', unit: '', optimizers: PERTURBED, source: 'optimizer', column: 'perturbation_norm', description: 'Norm of the perturbation (ρ for SAM, smaller for ASAM)' },
  { name: 'emaNorm', label: '‖m‖', unit: '', optimizers: ['fsam'], source: 'optimizer', column: 'ema_norm', description: 'Norm of F-SAM’s gradient average m (the full-gradient estimate)' },
  { name: 'gradientEmaCosine', label: 'cos(g, m)', unit: '', optimizers: ['fsam'], source: 'optimizer', column: 'gradient_ema_cosine', description: 'Cosine between the gradient and its moving average m' },
  { name: 'learningRate', label: 'lr', unit: '', optimizers: ALL, source: 'trainer', column: 'learning_rate', description: 'From the schedule' },
  { name: 'stepMs', label: 'step time', unit: 'ms', optimizers: ALL, source: 'trainer', column: 'step_ms', description: 'Wall time of one optimizer step' },
  { name: 'samplesPerSecond', label: 'samples/s', unit: 'samples/s', optimizers: ALL, source: 'trainer', column: 'samples_per_second', description: 'Training examples per second of this step' },
] as const satisfies readonly StepMetricDefinition[];

type StepMetricRow = (typeof STEP_METRICS)[number];
export type StepMetricName = StepMetricRow['name'];
/** Metrics every optimizer reports (never null). */
type AlwaysReported = Extract<StepMetricRow, { optimizers: typeof ALL }>['name'];
export type OptimizerMetricName = Extract<StepMetricRow, { source: 'optimizer' }>['name'];
export type TrainerMetricName = Extract<StepMetricRow, { source: 'trainer' }>['name'];

/** The metrics the optimizer's step packs into one tensor, in this order (NaN where one does not apply). */
export const OPTIMIZER_STEP_METRICS: readonly OptimizerMetricName[] = STEP_METRICS.filter((m) => m.source === 'optimizer').map((m) => m.name as OptimizerMetricName);

export function stepMetricDefinition(name: StepMetricName): StepMetricDefinition {
  return STEP_METRICS.find((m) => m.name === name)!;
}

/** Whether `optimizer` reports `name` (else its value is null). */
export function reportsMetric(optimizer: OptimizerName, name: StepMetricName): boolean {
  return (stepMetricDefinition(name).optimizers as readonly OptimizerName[]).includes(optimizer);
}

/** One optimizer step, as the engine reports it: null where a value does not apply (SGD has no perturbation). */
export type StepMetrics = {
  /** 0-based index of the step over the whole run. */
  step: number;
  epoch: number;
  /** Milliseconds of the run's time (training and evaluation, pauses excluded) when the step ended. */
  elapsedMs: number;
} & { [Name in AlwaysReported]: number } & { [Name in Exclude<StepMetricName, AlwaysReported>]: number | null };

/** A scoring of the network on (part of) a split, after an epoch. */
export interface EpochEvaluation {
  loss: number;
  accuracy: number;
  count: number;
  /** Accuracy per true class; null for a class absent from the evaluated examples. */
  perClassAccuracy: (number | null)[];
  /** confusion[trueClass][predictedClass] = count. */
  confusion: number[][];
  /**
   * Train split with label noise only: accuracy against the clean labels (`accuracy` is against the noisy
   * labels the run trains on). Absent without noise and in runs stored before it existed.
   */
  cleanAccuracy?: number;
}

export interface EpochMetrics {
  epoch: number;
  /** Steps done when the epoch ended. */
  step: number;
  train: EpochEvaluation;
  test: EpochEvaluation;
  elapsedMs: number;
}

/** Every per-step series, in STEP_METRICS order. */
export const STEP_SERIES = STEP_METRICS.map((m) => m.name) as readonly StepMetricName[];
/** trainCleanAccuracy: runs with label noise only (null elsewhere). */
export const EPOCH_SERIES = ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'trainCleanAccuracy'] as const;
export type StepSeriesName = StepMetricName;
export type EpochSeriesName = (typeof EPOCH_SERIES)[number];
export type SeriesName = StepSeriesName | EpochSeriesName;

export function isStepSeries(name: SeriesName): name is StepSeriesName {
  return (STEP_SERIES as readonly string[]).includes(name);
}

export interface SeriesRequest {
  runIds: number[];
  series: SeriesName[];
  /** At most this many points per series; long series are downsampled keeping the curve's shape (LTTB). */
  maxPoints: number;
}

/** One curve. Points share an index across the three arrays; x can be drawn by step, epoch or wall time. */
export interface Series {
  runId: number;
  name: SeriesName;
  /** Steps done at each point (for a step metric: the step's index + 1; for an epoch metric: steps at its end). */
  steps: number[];
  elapsedMs: number[];
  values: (number | null)[];
  /** Points before downsampling. */
  totalPoints: number;
}
