/**
 * The one interface the renderer talks to (STUDIO.md, "Rooms"). Electron's preload implements it over IPC,
 * the web shell over a WebSocket; both end in `StudioService` (app/api/service.ts). This file holds types
 * only, so the renderer can import it without pulling Node or TF.js into the browser bundle. The shared
 * vocabulary (statuses, metrics, evaluations, files, data sets, analyses) lives in app/domain and the stored
 * records in app/store/records.ts; the contract re-exports what it exposes.
 *
 * Every value crossing it is plain JSON (numbers, strings, arrays, objects; null for "none"), because both
 * transports serialise it.
 */
import type { TrainConfig, TrainConfigInput } from '../training/config.js';
import type { OptimizerConfigInput } from '../optim/config.js';
import type {
  AnalysisInfo,
  AnalysisRequest,
  ComparisonInfo,
  DatasetCacheEntry,
  DatasetPreview,
  DatasetPreviewOptions,
  DatasetStatus,
  ExportFormat,
  ExportResult,
  Series,
  SeriesRequest,
  StudyAxis,
  StudyExportFormat,
  StudyDetail,
  StudyInfo,
} from '../domain/index.js';
import type { ComparisonDetail, RunDetail, RunInfo, RunPlacement, RunStreamEvent, SubscriptionErrorListener, Unsubscribe } from '../store/records.js';

export * from '../domain/index.js';
export type { ComparisonDetail, RunDetail, RunInfo, RunPlacement, RunStreamEvent, SubscriptionErrorListener, Unsubscribe } from '../store/records.js';
export type { TrainConfig, TrainConfigInput, OptimizerConfigInput };

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
  /** Where its runs train (default: the studio's choice, see StudioService's queue option). */
  placement?: RunPlacement;
}

/** A study: a comparison of the arms at every value of one swept setting, over the same seeds (app/domain/studies.ts). */
export interface NewStudy {
  name: string;
  /** The base run config of every cell (its optimizer part is the default for every arm). */
  config: TrainConfigInput;
  arms: ComparisonArmInput[];
  /** The swept setting and its values; absent: only the arms vary. */
  axis?: StudyAxis;
  seeds: number[];
  /** The arm the others are measured against; default: the first. */
  baseline?: string;
  /** The preset it came from, recorded with it. */
  preset?: string;
  /** Where its runs train (default: the studio's choice). */
  placement?: RunPlacement;
}

export interface OptionInfo {
  name: string;
  description: string;
}

export interface PresetInfo extends OptionInfo {
  config: TrainConfig;
}

/** A study preset (app/api/studyPresets.ts) at scale 1, for a form to start from. */
export interface StudyPresetInfo {
  name: string;
  description: string;
  /** What the preset reproduces of the paper. */
  reproduces: string;
  study: NewStudy;
}

export interface StudioInfo {
  version: string;
  /** The backend the service's own process loaded (workers choose the same way). */
  backend: { name: string; device: string; skipped: { name: string; reason: string }[] };
  models: OptionInfo[];
  datasets: OptionInfo[];
  presets: PresetInfo[];
  /** The paper's studies, sized for two CPU cores (scale 1; the CLI's --scale grows them). */
  studyPresets: StudyPresetInfo[];
  /** The defaults of a new run, after validation (what an empty form means). */
  defaults: TrainConfig;
  databasePath: string;
  filesFolder: string;
  concurrency: number;
  /** The job queue the studio uses now (runs placed there train on remote workers), or null for none. */
  queue: QueueInfo | null;
  /** Where a new run trains when its request does not say: this machine, or the queue. */
  newRuns: RunPlacement;
}

export interface QueueInfo {
  /** Its address with the password replaced by *** (the only form that ever leaves the service). */
  url: string;
  /** Whether Redis answers now; the studio reconnects by itself when it does not. */
  connected: boolean;
}

/** Where runs go, as Settings changes it: the fields of StudioInfo that setQueue sets. */
export type RunsPlacementInfo = Pick<StudioInfo, 'queue' | 'newRuns'>;

export interface QueueRequest {
  /**
   * A queue to connect (redis://[user:password@]host:port[/db], rediss://… for TLS), or null to disconnect;
   * absent: the queue stays as it is. Kept in the service's memory only, never stored or echoed.
   */
  url?: string | null;
  /** Where new runs go from now on; default when connecting: the queue, when disconnecting: this machine. */
  newRuns?: RunPlacement;
}

export interface FieldProblem {
  /** Dotted path of the field, as in the config: "optimizer.rho". */
  field: string;
  message: string;
}

export type ConfigCheck = { ok: true; config: TrainConfig } | { ok: false; problems: FieldProblem[] };

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

export interface StudioApi {
  info(): Promise<StudioInfo>;
  /** Validates a run config the way startRun will, without starting anything (for inline form errors). */
  checkConfig(config: unknown): Promise<ConfigCheck>;

  listRuns(): Promise<RunInfo[]>;
  getRun(runId: number): Promise<RunDetail>;
  startRun(request: { name?: string; config: TrainConfigInput; placement?: RunPlacement }): Promise<RunInfo>;
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
   * Creates a study (every run checked before anything is stored) and queues its runs, seed by seed, so each
   * cell gets its first seed early. Resolves at once; follow it with getStudy.
   */
  createStudy(request: NewStudy): Promise<StudyDetail>;
  listStudies(): Promise<StudyInfo[]>;
  /** The study, its progress and its results so far (over completed runs only). */
  getStudy(studyId: number): Promise<StudyDetail>;
  /** Continues a study after a crash, a quit or a stop: its interrupted, stopped and failed runs resume from their checkpoints. */
  resumeStudy(studyId: number): Promise<StudyDetail>;
  /** Deletes the study with its comparisons and runs (running ones are stopped first). */
  deleteStudy(studyId: number): Promise<void>;
  /** Writes the study's results (CSV of every cell, JSON, or the HTML report) into the files of its first run. */
  exportStudy(request: { studyId: number; format: StudyExportFormat }): Promise<ExportResult>;

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

  /**
   * Chooses where runs go while the studio runs: connects a job queue (refused in words, the previous one
   * kept, when Redis does not answer or refuses the password), disconnects it, or sets where new runs
   * train. Changing or dropping a queue is refused while runs on it are still active: they could no longer
   * be paused, stopped or followed.
   */
  setQueue(request: QueueRequest): Promise<RunsPlacementInfo>;
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
  'createStudy',
  'listStudies',
  'getStudy',
  'resumeStudy',
  'deleteStudy',
  'exportStudy',
  'setQueue',
] as const satisfies readonly (keyof StudioApi)[];
export const STUDIO_API_SUBSCRIPTIONS = ['onRunUpdate', 'subscribeRun'] as const satisfies readonly (keyof StudioApi)[];
