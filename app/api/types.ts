/**
 * The one interface the renderer talks to (STUDIO.md, "Rooms"). Electron's preload implements it over IPC,
 * the web shell over a WebSocket; both end in `StudioService` (app/api/service.ts). This file holds types
 * only, so the renderer can import it without pulling Node or TF.js into the browser bundle.
 *
 * Every value crossing it is plain JSON (numbers, strings, arrays, objects; null for "none"), because both
 * transports serialise it.
 */
import type { TrainConfig, TrainConfigInput } from '../training/config.js';
import type { OptimizerConfigInput } from '../optim/config.js';

export type { TrainConfig, TrainConfigInput, OptimizerConfigInput };
export type { AnalysisInfo, AnalysisOptions, AnalysisPhase, AnalysisProgress, AnalysisRequest, AnalysisResult, AnalysisStatus } from '../analysis/types.js';
import type { AnalysisInfo, AnalysisRequest } from '../analysis/types.js';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'stopped', 'diverged', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run can leave through `resumeRun` (from its last checkpoint, or from the start without one). */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['paused', 'stopped', 'interrupted', 'failed'];
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];

/** One row of the runs table: everything the Runs screen shows, without the per-step history. */
export interface RunInfo {
  id: number;
  name: string;
  status: RunStatus;
  config: TrainConfig;
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
}

/** One optimizer step, as the engine reports it. null where a value does not apply (SGD has no perturbation). */
export interface StepMetrics {
  /** 0-based index of the step over the whole run. */
  step: number;
  epoch: number;
  loss: number;
  /** Loss at w + e; null for plain SGD. */
  perturbedLoss: number | null;
  gradientNorm: number;
  perturbationNorm: number | null;
  /** F-SAM only: ‖m‖ and cos(g, m). */
  emaNorm: number | null;
  gradientEmaCosine: number | null;
  learningRate: number;
  stepMs: number;
  samplesPerSecond: number;
  /** Milliseconds of the run's time (training and evaluation, pauses excluded) when the step ended. */
  elapsedMs: number;
}

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

export interface RunTransition {
  at: number;
  status: RunStatus;
  message: string | null;
}

export interface RunFile {
  id: number;
  kind: 'checkpoint' | 'export' | 'report';
  /** Absolute path on the machine running the service. */
  path: string;
  bytes: number;
  createdAt: number;
  /** Checkpoints: the step they were taken after. */
  step: number | null;
}

export interface RunDetail {
  run: RunInfo;
  classNames: string[];
  epochs: EpochMetrics[];
  transitions: RunTransition[];
  files: RunFile[];
}

export const STEP_SERIES = ['loss', 'perturbedLoss', 'gradientNorm', 'perturbationNorm', 'emaNorm', 'gradientEmaCosine', 'learningRate', 'stepMs', 'samplesPerSecond'] as const;
/** trainCleanAccuracy: runs with label noise only (null elsewhere). */
export const EPOCH_SERIES = ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'trainCleanAccuracy'] as const;
export type StepSeriesName = (typeof STEP_SERIES)[number];
export type EpochSeriesName = (typeof EPOCH_SERIES)[number];
export type SeriesName = StepSeriesName | EpochSeriesName;

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

/** What a metric subscription delivers: first the history after `afterStep`, then the live tail, in order. */
export type RunStreamEvent =
  | { type: 'steps'; runId: number; steps: StepMetrics[] }
  | { type: 'epoch'; runId: number; epoch: EpochMetrics }
  /** The run resumed from a checkpoint: steps after `step` were dropped and will be trained again. */
  | { type: 'rewind'; runId: number; step: number; epochsDone: number }
  | { type: 'run'; run: RunInfo };

export interface ComparisonArmInput {
  /** A short name for the arm, unique within the comparison; default: the optimizer's name. */
  label?: string;
  /** Fields of the optimizer that differ from the comparison's base config. */
  optimizer: Partial<OptimizerConfigInput>;
}

export interface NewComparison {
  name: string;
  /** Everything shared by the comparison's runs (its optimizer part is the default for every arm). */
  config: TrainConfigInput;
  arms: ComparisonArmInput[];
  /** One run per arm and seed; runs of one seed are paired. */
  seeds: number[];
  /** The arm the others are measured against; default: the first. */
  baseline?: string;
}

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

export interface ComparisonDetail {
  comparison: ComparisonInfo;
  runs: RunInfo[];
  results: ComparisonResults;
}

export interface OptionInfo {
  name: string;
  description: string;
}

export interface PresetInfo extends OptionInfo {
  config: TrainConfig;
}

export interface StudioInfo {
  version: string;
  /** The backend the service's own process loaded (workers choose the same way). */
  backend: { name: string; device: string; skipped: { name: string; reason: string }[] };
  models: OptionInfo[];
  datasets: OptionInfo[];
  presets: PresetInfo[];
  /** The defaults of a new run, after validation (what an empty form means). */
  defaults: TrainConfig;
  databasePath: string;
  filesFolder: string;
  concurrency: number;
}

export interface FieldProblem {
  /** Dotted path of the field, as in the config: "optimizer.rho". */
  field: string;
  message: string;
}

export type ConfigCheck = { ok: true; config: TrainConfig } | { ok: false; problems: FieldProblem[] };

export type Unsubscribe = () => void;
/** Told why a subscription failed; after it, the subscription is over (see StudioApi.onRunUpdate). */
export type SubscriptionErrorListener = (error: Error) => void;

/** One layer of a model, as describeModel lists it (nested layers of residual blocks have depth ≥ 1). */
export interface ModelLayerInfo {
  name: string;
  type: string;
  depth: number;
  /** "3×3 conv, 64 filters, stride 2" */
  detail: string;
  /** Without the batch dimension. */
  outputShape: number[];
  parameterCount: number;
}

export interface ModelDescriptionRequest {
  model: string;
  /** [height, width, channels] (or [features]); default: the data set's, else [32, 32, 3]. */
  inputShape?: number[];
  /** Default: the data set's class count, else 10. */
  classes?: number;
  /** A data set spec whose image shape and classes to use. */
  data?: unknown;
}

export interface ModelDescription {
  model: string;
  description: string;
  inputShape: number[];
  classes: number;
  parameterCount: number;
  layers: ModelLayerInfo[];
}

export interface DatasetPreviewOptions {
  /** The run's label noise ({ kind, fraction }), applied as a run with `seed` would apply it. */
  labelNoise?: unknown;
  seed?: number;
  /** Sample images per class (default 8, at most 32). */
  perClass?: number;
}

export interface DatasetPreviewSample {
  /** Index of the example in the training split. */
  index: number;
  /** The image as a PNG data URL (data:image/png;base64,…), at its own size. */
  png: string;
  /** The label a run with these options trains on (differs from the class when label noise flipped it). */
  trainLabel: number;
}

export interface DatasetPreview {
  name: string;
  source: string;
  imageShape: [number, number, number];
  classNames: string[];
  trainCount: number;
  testCount: number;
  /** samples[class]: the first `perClass` training examples of that (clean) class. */
  samples: DatasetPreviewSample[][];
  /** Training examples per class as labelled in the data set, and as trained on after label noise. */
  cleanClassCounts: number[];
  trainClassCounts: number[];
  testClassCounts: number[];
  /** Labels that label noise changed, per clean class and in all (zeros without noise). */
  flippedPerClass: number[];
  flipped: number;
  /** The noise rule in words ("none", "symmetric: 40 % of the training labels …"). */
  labelNoise: string;
}

/** A download in progress (`datasetStatus`): the file being fetched and how far it is. */
export interface DatasetDownloadProgress {
  file: string;
  /** 0-based index of the file among the data set's files. */
  fileIndex: number;
  fileCount: number;
  phase: 'download' | 'verify' | 'unpack' | 'done';
  receivedBytes: number;
  /** null while the size is unknown. */
  totalBytes: number | null;
}

/** A public data set the studio can download, and its state in the cache. */
export interface DatasetCacheEntry {
  /** The data set name a run uses ("fashion-mnist", "cifar10", …). */
  name: string;
  title: string;
  description: string;
  /** Downloaded, verified and ready to train on. */
  cached: boolean;
  folder: string;
  /** Bytes on disk (including an unfinished download). */
  bytes: number;
  downloadedAt: number | null;
  /** The download in progress, or null. */
  download: DatasetDownloadProgress | null;
  /** Why the last download in this process failed, or null. */
  lastError: string | null;
}

export interface DatasetStatus {
  cacheFolder: string;
  datasets: DatasetCacheEntry[];
}

/** What a run exports to: a TF.js LayersModel, an ONNX model, its metrics, or an HTML report. */
export const EXPORT_FORMATS = ['tfjs', 'onnx', 'csv', 'json', 'report'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A file an export wrote into the store's files folder (recorded among the run's files). */
export interface ExportedFile {
  fileId: number;
  runId: number;
  /** The name to save it under ("model.json", "run-3-model.onnx"). */
  name: string;
  bytes: number;
  mediaType: string;
  /** Absolute path on the machine running the service. */
  path: string;
}

export interface ExportResult {
  /** One file, or two for tfjs (model.json and the weights.bin it names: keep them side by side). */
  files: ExportedFile[];
}

export interface StudioApi {
  info(): Promise<StudioInfo>;
  /** Validates a run config the way startRun will, without starting anything (for inline form errors). */
  checkConfig(config: unknown): Promise<ConfigCheck>;

  listRuns(): Promise<RunInfo[]>;
  getRun(runId: number): Promise<RunDetail>;
  startRun(request: { name?: string; config: TrainConfigInput }): Promise<RunInfo>;
  pauseRun(runId: number): Promise<RunInfo>;
  resumeRun(runId: number): Promise<RunInfo>;
  stopRun(runId: number): Promise<RunInfo>;
  deleteRun(runId: number): Promise<void>;
  metricSeries(request: SeriesRequest): Promise<Series[]>;

  createComparison(request: NewComparison): Promise<ComparisonDetail>;
  listComparisons(): Promise<ComparisonInfo[]>;
  getComparison(comparisonId: number): Promise<ComparisonDetail>;
  deleteComparison(comparisonId: number, options?: { withRuns?: boolean }): Promise<void>;

  /** Writes a run's export (model from its latest checkpoint, metrics or report) into the store's files. */
  exportRun(request: { runId: number; format: ExportFormat }): Promise<ExportResult>;
  /** Writes a comparison's HTML report (kept with the files of its first run). */
  exportComparison(request: { comparisonId: number }): Promise<ExportResult>;

  /**
   * Every change of any run (status, progress, results), throttled per run.
   *
   * A subscription that fails — refused, or naming a run that does not exist — calls `onError` once with
   * the service's error (its name and message, e.g. NotFoundError "Run 9 does not exist"), and its listener
   * hears nothing more. Over a transport that comes after subscribing returned; in the service's own process
   * at once. Without `onError` the service throws, and a transport logs it.
   */
  onRunUpdate(listener: (run: RunInfo) => void, onError?: SubscriptionErrorListener): Unsubscribe;
  /**
   * One run's history, then its live tail, with no gap and no duplicate. `afterStep` is how many steps the
   * caller already has (e.g. from metricSeries): steps with index ≥ afterStep are delivered (default 0: all).
   * Epochs and the run's current info are delivered too. Failure: as for onRunUpdate.
   */
  subscribeRun(runId: number, options: { afterStep?: number }, listener: (event: RunStreamEvent) => void, onError?: SubscriptionErrorListener): Unsubscribe;

  /** A zoo model's layers with output shapes and parameter counts, for an input shape and class count. */
  describeModel(request: ModelDescriptionRequest): Promise<ModelDescription>;
  /** A data set's classes, sample images per class, and its class counts after the given label noise. */
  previewDataset(data: unknown, options?: DatasetPreviewOptions): Promise<DatasetPreview>;
  /**
   * Downloads a public data set into the cache (verified; a broken transfer is continued next time) and
   * resolves when it is ready; a second call while one runs joins it. Progress shows in datasetStatus().
   */
  downloadDataset(name: string): Promise<DatasetCacheEntry>;
  /** The downloadable data sets: cached or not, and the downloads in progress. */
  datasetStatus(): Promise<DatasetStatus>;
  /**
   * Starts a sharpness analysis of a run's latest checkpoint (the run must have ended, or been stopped) and
   * returns at once, queued or running; follow it with getAnalyses. Omitted options take their defaults.
   */
  analyzeRun(request: AnalysisRequest): Promise<AnalysisInfo>;
  /** Every analysis of these runs (with progress while running, the result once completed), newest first. */
  getAnalyses(request: { runIds: number[] }): Promise<AnalysisInfo[]>;
}

/**
 * What only the desktop window adds to StudioApi (its preload exposes these next to it): a native save dialog
 * for an exported file. In a browser they are absent and the renderer downloads `/files/<fileId>` instead.
 */
export interface DesktopExtras {
  /** Asks where to save the recorded export `fileId` and copies it there; null when the user cancelled. */
  saveExport(fileId: number): Promise<{ savedTo: string | null }>;
}
export const DESKTOP_CALLS = ['saveExport'] as const satisfies readonly (keyof DesktopExtras)[];

/** Method names of StudioApi, for the transports (preload, WebSocket) that must expose exactly these. */
export const STUDIO_API_CALLS = [
  'info',
  'checkConfig',
  'listRuns',
  'getRun',
  'startRun',
  'pauseRun',
  'resumeRun',
  'stopRun',
  'deleteRun',
  'metricSeries',
  'createComparison',
  'listComparisons',
  'getComparison',
  'deleteComparison',
  'describeModel',
  'previewDataset',
  'downloadDataset',
  'datasetStatus',
  'analyzeRun',
  'getAnalyses',
  'exportRun',
  'exportComparison',
] as const satisfies readonly (keyof StudioApi)[];
export const STUDIO_API_SUBSCRIPTIONS = ['onRunUpdate', 'subscribeRun'] as const satisfies readonly (keyof StudioApi)[];
