/**
 * StudioService: the one object behind both shells (Electron IPC, the web shell's WebSocket) and the CLI.
 * It validates every input at this boundary, then drives the store and the run manager.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { AnalysisManager } from '../analysis/manager.js';
import { comparisonResults } from '../analysis/pairedStatistics.js';
import { studyResults } from '../analysis/studyResults.js';
import { BUILTIN_DATASET_NAME, DATASET_DESCRIPTIONS, DATASET_NAMES, datasetErrorField, datasetSpecSchema, describeBuiltinDataset, readDataset, type ImageDataset } from '../data/index.js';
import { previewDataset } from '../data/preview.js';
import { DatasetProbeCache } from '../data/probeCache.js';
import { summarizeModel } from '../models/network.js';
import { CATALOG, isDownloadable } from '../data/download/catalog.js';
import { readMarker, resolveDataCache } from '../data/download/cache.js';
import { DatasetDownloads } from '../data/download/downloads.js';
import { initBackend, type BackendInfo } from '../engine/backend.js';
import { buildModelSpec, describeModelName, MODEL_DESCRIPTIONS, MODEL_NAMES } from '../models/zoo.js';
import { defaultConcurrency, RunManager, type RunLauncher } from '../runs/manager.js';
import { RemoteRuns } from '../queue/remoteRuns.js';
import { parseQueueUrl, type QueueUrl } from '../queue/queueUrl.js';
import type { RunPlacement } from '../store/records.js';
import { resolveDatabasePath } from '../platform/location.js';
import { StudioStore } from '../store/store.js';
import { trainConfigSchema, type TrainConfig } from '../training/config.js';
import { runDataProblems } from '../training/preflight.js';
import { PRESETS } from '../training/presets.js';
import { storeComparisonReport, storeRunExport, storeStudyExport } from '../export/storedExports.js';
import { downloadableFile, type DownloadableFile } from '../export/downloads.js';
import { ConfigError, describeIssue, parseOrProblems, parseOrThrow, StateError, type FieldIssue } from '../validation.js';
import { downsampleSeries } from './downsample.js';
import {
  analysisRequestSchema,
  comparisonIdSchema,
  deleteComparisonOptionsSchema,
  describeModelSchema,
  previewOptionsSchema,
  queueRequestSchema,
  downloadableDatasetSchema,
  getAnalysesSchema,
  exportComparisonSchema,
  exportRunSchema,
  exportStudySchema,
  newComparisonSchema,
  newStudySchema,
  runIdSchema,
  seriesRequestSchema,
  startRunSchema,
  studyIdSchema,
  subscribeOptionsSchema,
} from './schemas.js';
import { planStudy } from './studyPlan.js';
import { STUDY_PRESETS } from './studyPresets.js';
import {
  ACTIVE_STATUSES,
  EPOCH_SERIES,
  RESUMABLE_STATUSES,
  type AnalysisInfo,
  type AnalysisRequest,
  type ComparisonDetail,
  type ComparisonInfo,
  type ConfigCheck,
  type DatasetPreview,
  type DatasetPreviewOptions,
  type ModelDescription,
  type ModelDescriptionRequest,
  type DatasetCacheEntry,
  type DatasetStatus,
  type EpochSeriesName,
  type ExportFormat,
  type ExportResult,
  type NewComparison,
  type NewStudy,
  type QueueRequest,
  type RunDetail,
  type RunInfo,
  type RunStreamEvent,
  type RunsPlacementInfo,
  type Series,
  type SeriesName,
  type StepSeriesName,
  type SeriesRequest,
  type StudioApi,
  type StudioInfo,
  type StudyDetail,
  type StudyExportFormat,
  type StudyInfo,
  type SubscriptionErrorListener,
  type TrainConfigInput,
  type Unsubscribe,
} from './types.js';

/** Parses a boundary input or throws a ConfigError naming the argument and field ("request.format: …"). */
function check<Schema extends z.ZodType>(schema: Schema, input: unknown, argument: string): z.infer<Schema> {
  return parseOrThrow(schema, input, '', argument);
}

function checkRunConfig(input: unknown, where = 'config'): TrainConfig {
  return parseOrThrow(trainConfigSchema, input, 'Invalid run configuration', where);
}

/**
 * A downloadable data set named without a path must be in the cache before a run can use it: said at once,
 * rather than as a failed run. (Not part of the config schema: stored configs stay valid when a cache is cleared.)
 */
function notDownloaded(config: TrainConfig): string | undefined {
  const { name, path } = config.data;
  if (path !== undefined || !isDownloadable(name) || readMarker(resolveDataCache(), name) !== undefined) return undefined;
  return `${CATALOG[name].title} is not downloaded yet; download it in Settings › Data sets (or \`fsam-studio data get ${name}\`), or set data.path to the folder of its files`;
}

function checkDataAvailable(config: TrainConfig, where = 'config'): TrainConfig {
  const problem = notDownloaded(config);
  if (problem !== undefined) throw new ConfigError(`Invalid run configuration — ${where}.data.name: ${problem}`);
  return config;
}

function defaultRunName(config: TrainConfig): string {
  const optimizer = config.optimizer.name + (config.optimizer.adaptive ? ' (adaptive)' : '');
  return `${optimizer} · ${config.model} · ${config.data.name} · seed ${config.seed}`;
}

/** "fsam", or "fsam lambda=0.95" when the arm sets more than the optimizer's name. */
interface ComparisonPlan {
  name: string;
  labels: string[];
  baseline: string;
  seeds: number[];
  varies: string[];
  runs: { arm: string; where: string; config: TrainConfig }[];
}

/** A comparison's arms labelled and every run's config checked (nothing stored yet); a bad arm is refused naming it. */
function planComparison(request: Pick<z.infer<typeof newComparisonSchema>, 'name' | 'config' | 'arms' | 'seeds' | 'baseline'>): ComparisonPlan {
  const { name, config: base, arms, seeds, baseline } = request;
  const baseOptimizer = (typeof base.optimizer === 'object' && base.optimizer !== null ? base.optimizer : {}) as Record<string, unknown>;
  const labeled = arms.map((arm, index) => {
    const optimizer = { ...baseOptimizer, ...arm.optimizer };
    const label = arm.label ?? defaultArmLabel(arm.optimizer);
    return { label, optimizer, index };
  });
  const labels = labeled.map((arm) => arm.label);
  const repeated = labels.find((label, i) => labels.indexOf(label) !== i);
  if (repeated) throw new ConfigError(`request.arms: two arms are called "${repeated}"; give each arm its own label`);
  const baselineLabel = baseline ?? labels[0]!;
  if (!labels.includes(baselineLabel)) throw new ConfigError(`request.baseline: "${baselineLabel}" is not one of the arms (${labels.join(', ')})`);
  const runs = seeds.flatMap((seed) =>
    labeled.map((arm) => {
      const where = `arms[${arm.index}] (${arm.label}).config`;
      return { arm: arm.label, where, config: checkDataAvailable(checkRunConfig({ ...base, optimizer: arm.optimizer, seed }, where), where) };
    }),
  );
  return { name, labels, baseline: baselineLabel, seeds, varies: variedFields(runs.map((run) => run.config)), runs };
}

function defaultArmLabel(optimizer: Record<string, unknown>): string {
  const extras = Object.entries(optimizer)
    .filter(([key]) => key !== 'name')
    .map(([key, value]) => `${key}=${String(value)}`);
  return [String(optimizer.name ?? 'run'), ...extras].join(' ');
}

export function readVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface ServiceOptions {
  /** The SQLite file (default: --db / FSAM_DB / the application-data folder). */
  databasePath?: string;
  /** Runs trained at once (default: one per two cores). */
  concurrency?: number;
  /** better-sqlite3's native addon, when it is not the one in node_modules (the desktop app in development). */
  sqliteNativeBinding?: string;
  /** A job queue (app/queue): runs placed there train on remote workers; by default new runs go there. */
  queue?: QueueUrl;
  /** Where runs train (default: a worker thread each; the desktop app's GPU host page, see gpuHostClient.ts). */
  runLauncher?: RunLauncher;
  /** What `info` reports as the backend, when runs do not train on this process's choice (the GPU host page's). */
  backend?: () => Promise<BackendInfo>;
}

export class StudioService implements StudioApi {
  /** The last data set a preview or model description loaded: the New run form asks about one set repeatedly. */
  private loadedDataset: { key: string; dataset: Promise<ImageDataset> } | undefined;
  /** What the data sets that configs name hold, kept while their files stay the same (see DatasetProbeCache). */
  private readonly probes = new DatasetProbeCache();
  /** Downloads this process runs for the UI; stopped when the service closes. */
  private readonly downloads = new DatasetDownloads();
  /** Sharpness analyses, computed in their own worker threads (app/analysis/manager.ts). */
  readonly analyses: AnalysisManager;

  /** Runs on the job queue: the one the studio was opened with, or connected since (setQueue). */
  #remote: RemoteRuns | undefined;
  /** Where a new run trains when its request does not say. */
  #newRuns: RunPlacement;
  /** setQueue's changes, one after another: each starts from the queue the previous one left. */
  #queueChanges: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly store: StudioStore,
    readonly manager: RunManager,
    queue?: QueueUrl,
    private readonly backend: () => Promise<BackendInfo> = initBackend,
  ) {
    this.analyses = new AnalysisManager(store);
    this.#remote = queue && new RemoteRuns(store, manager.streams, queue);
    this.#newRuns = queue ? 'queue' : 'local';
  }

  /** Runs on the job queue, when the studio has one now. */
  get remote(): RemoteRuns | undefined {
    return this.#remote;
  }

  static open(options: ServiceOptions = {}): StudioService {
    const store = StudioStore.open(options.databasePath ?? resolveDatabasePath(), { nativeBinding: options.sqliteNativeBinding });
    try {
      const manager = new RunManager(store, options.concurrency ?? defaultConcurrency(), options.runLauncher);
      return new StudioService(store, manager, options.queue, options.backend);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  /** Stops what trains (with checkpoints) and closes the store. */
  async close(): Promise<void> {
    await this.downloads.stop();
    await this.analyses.shutdown();
    // queued runs go on training on their workers; the next open catches up with them
    await this.#queueChanges;
    await this.#remote?.close();
    await this.manager.shutdown();
    this.store.close();
  }

  async info(): Promise<StudioInfo> {
    const backend = await this.backend();
    const builtin = describeBuiltinDataset();
    return {
      version: readVersion(),
      backend: { name: backend.name, device: backend.device, skipped: backend.skipped.map(({ candidate, error }) => ({ name: candidate, reason: error })) },
      models: MODEL_NAMES.map((name) => ({ name, description: MODEL_DESCRIPTIONS[name] })),
      datasets: DATASET_NAMES.map((name) => ({
        name,
        description: name === BUILTIN_DATASET_NAME ? builtin.summary : DATASET_DESCRIPTIONS[name],
      })),
      presets: Object.entries(PRESETS).map(([name, preset]) => ({
        name,
        description: preset.description,
        config: checkRunConfig({ ...preset.config, optimizer: { name: 'fsam', ...preset.config.optimizer } }),
      })),
      studyPresets: Object.entries(STUDY_PRESETS).map(([name, preset]) => ({ name, description: preset.description, reproduces: preset.reproduces, study: preset.study(1) })),
      defaults: this.defaults(),
      databasePath: this.store.path,
      filesFolder: this.store.filesFolder,
      concurrency: this.manager.concurrency,
      ...this.runsPlacement(),
    };
  }

  private runsPlacement(): RunsPlacementInfo {
    const remote = this.#remote;
    return { queue: remote ? { url: remote.queueUrl.redacted, connected: remote.connected } : null, newRuns: this.#newRuns };
  }

  async setQueue(request: QueueRequest): Promise<RunsPlacementInfo> {
    const { url, newRuns } = check(queueRequestSchema, request, 'request');
    // a malformed URL is refused at once, naming the field and never echoing it
    const queue = typeof url === 'string' ? parseQueueUrl(url, 'request.url') : url;
    const change = this.#queueChanges.then(() => this.changeQueue(queue, newRuns));
    this.#queueChanges = change.catch(() => {});
    return change;
  }

  /** queue: a queue to use instead, null for none, undefined to keep the current one. */
  private async changeQueue(queue: QueueUrl | null | undefined, asked: RunPlacement | undefined): Promise<RunsPlacementInfo> {
    const newRuns = asked ?? (queue === undefined ? this.#newRuns : queue === null ? 'local' : 'queue');
    if (newRuns === 'queue' && (queue === null || (queue === undefined && !this.#remote))) {
      throw new ConfigError('request.newRuns: new runs can go to a job queue only while one is connected; give its URL (request.url)');
    }
    if (queue !== undefined) {
      const current = this.#remote;
      if (current) this.refuseWhileQueuedRunsTrain(current, queue === null ? 'disconnecting it' : `switching to ${queue.redacted}`);
      // tried first with a connection of its own: a queue that does not answer changes nothing
      if (queue !== null) await RemoteRuns.probe(queue);
      await current?.close();
      this.#remote = queue === null ? undefined : new RemoteRuns(this.store, this.manager.streams, queue);
      // answered the probe a moment ago; if it is lost again now, info() says so and ioredis reconnects
      await this.#remote?.ready().catch(() => {});
    }
    this.#newRuns = newRuns;
    return this.runsPlacement();
  }

  /**
   * A run on the queue is paused, stopped and followed through the studio's connection to it (runs do not
   * record which queue holds them): while any still trains or waits there, the queue stays.
   */
  private refuseWhileQueuedRunsTrain(current: RemoteRuns, change: string): void {
    const active = this.store.listRuns().filter((run) => run.placement === 'queue' && ACTIVE_STATUSES.includes(run.status));
    if (active.length === 0) return;
    const named = active.slice(0, 5).map((run) => `#${run.id}`).join(', ') + (active.length > 5 ? ` and ${active.length - 5} more` : '');
    throw new StateError(
      `${active.length === 1 ? 'run' : 'runs'} ${named} still ${active.length === 1 ? 'trains or waits' : 'train or wait'} on the job queue at ${current.queueUrl.redacted}; ` +
        `stop ${active.length === 1 ? 'it' : 'them'} or let ${active.length === 1 ? 'it' : 'them'} end before ${change}`,
    );
  }

  async checkConfig(input: unknown): Promise<ConfigCheck> {
    const parsed = parseOrProblems(trainConfigSchema, input, { whole: 'config' });
    if (!parsed.ok) return parsed;
    const problem = notDownloaded(parsed.value);
    if (problem !== undefined) return { ok: false, problems: [{ field: 'data.name', message: problem }] };
    const problems = await this.dataProblems(parsed.value);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, config: parsed.value };
  }

  /** The checks that need the data (the files exist and hold a set of that kind, the model and batch fit it). */
  private dataProblems(config: TrainConfig): Promise<FieldIssue[]> {
    return runDataProblems(config, (spec) => this.probes.probe(spec));
  }

  /** Refuses a config whose data cannot train it, as checkRunConfig refuses a malformed one: before anything is stored. */
  private async refuseUnfit(config: TrainConfig, where = 'config'): Promise<TrainConfig> {
    const [problem] = await this.dataProblems(config);
    if (problem !== undefined) throw new ConfigError(`Invalid run configuration — ${where}.${problem.field}: ${problem.message}`);
    return config;
  }

  async listRuns(): Promise<RunInfo[]> {
    return this.store.listRuns();
  }

  async getRun(runId: number): Promise<RunDetail> {
    const id = check(runIdSchema, runId, 'runId');
    return {
      run: this.store.getRun(id),
      classNames: this.store.classNames(id),
      epochs: this.store.epochs(id),
      transitions: this.store.transitions(id),
      files: this.store.files(id),
    };
  }

  async startRun(request: { name?: string; config: TrainConfigInput; placement?: RunPlacement }): Promise<RunInfo> {
    const { name, config: input, placement: asked } = check(startRunSchema, request, 'request');
    const config = await this.refuseUnfit(checkDataAvailable(checkRunConfig(input)));
    const placement = await this.placement(asked);
    const run = this.store.createRun({ name: name ?? defaultRunName(config), config, placement });
    await this.enqueue(run.id);
    return this.store.getRun(run.id);
  }

  /** Where new runs train: as asked, else on the queue when the studio has one; a queue that does not answer is refused before anything is stored. */
  private async placement(asked: RunPlacement | undefined): Promise<RunPlacement> {
    const placement = asked ?? this.#newRuns;
    if (placement === 'queue') {
      const remote = this.#remote;
      if (!remote) throw new ConfigError('request.placement: this studio has no job queue; connect one in Settings, or start it with --queue URL (or FSAM_QUEUE_URL)');
      await remote.ready();
    }
    return placement;
  }

  /** The run goes to the run manager or to the queue, by its placement. */
  private async enqueue(runId: number): Promise<void> {
    if (this.store.getRun(runId).placement === 'queue') await this.queued().enqueue(runId);
    else this.manager.enqueue(runId);
  }

  private queued(): RemoteRuns {
    if (!this.#remote) throw new ConfigError('this run trains on a job queue; connect that queue in Settings (or open the studio with --queue URL or FSAM_QUEUE_URL) to control it');
    return this.#remote;
  }

  private isQueued(runId: number): boolean {
    return this.store.getRun(runId).placement === 'queue';
  }

  async pauseRun(runId: number): Promise<RunInfo> {
    const id = check(runIdSchema, runId, 'runId');
    return this.isQueued(id) ? this.queued().pause(id) : this.manager.pause(id);
  }

  async resumeRun(runId: number): Promise<RunInfo> {
    const id = check(runIdSchema, runId, 'runId');
    return this.isQueued(id) ? this.queued().resume(id) : this.manager.resume(id);
  }

  async stopRun(runId: number): Promise<RunInfo> {
    const id = check(runIdSchema, runId, 'runId');
    return this.isQueued(id) ? this.queued().stop(id) : this.manager.stop(id);
  }

  async deleteRun(runId: number): Promise<void> {
    const id = check(runIdSchema, runId, 'runId');
    this.store.getRun(id);
    // its analyses read the run's checkpoint, which goes with the run
    await this.analyses.cancelRun(id);
    if (this.isQueued(id)) await this.queued().delete(id);
    else await this.manager.delete(id);
  }

  /** For the shells and the CLI (not part of StudioApi): resolves with the run once it has ended, wherever it trains. */
  waitForEnd(runId: number): Promise<RunInfo> {
    return this.isQueued(runId) ? this.queued().waitForEnd(runId) : this.manager.waitForEnd(runId);
  }

  async metricSeries(request: SeriesRequest): Promise<Series[]> {
    const { runIds, series, maxPoints } = check(seriesRequestSchema, request, 'request');
    for (const runId of runIds) this.store.getRun(runId);
    const isEpochSeries = (name: SeriesName): name is EpochSeriesName => (EPOCH_SERIES as readonly string[]).includes(name);
    const stepNames = series.filter((name): name is StepSeriesName => !isEpochSeries(name));
    return runIds.flatMap((runId) => {
      const stepSeries = stepNames.length > 0 ? this.store.stepSeries(runId, stepNames) : new Map();
      return series.map((name) => {
        const raw = isEpochSeries(name) ? this.store.epochSeries(runId, name) : stepSeries.get(name)!;
        return { runId, name, ...downsampleSeries(raw, maxPoints), totalPoints: raw.steps.length };
      });
    });
  }

  async createComparison(request: NewComparison): Promise<ComparisonDetail> {
    const checked = check(newComparisonSchema, request, 'request');
    const plan = planComparison(checked);
    // then what needs the data (probed once: the arms share it), still before anything is stored
    for (const run of plan.runs) await this.refuseUnfit(run.config, run.where);
    const placement = await this.placement(checked.placement);
    const comparisonId = this.store.transaction(() => this.storeComparison(plan, placement));
    for (const run of this.store.runsOfComparison(comparisonId)) await this.enqueue(run.id);
    return this.getComparison(comparisonId);
  }

  /** Records a planned comparison and its runs (queued, not yet enqueued); inside the caller's transaction. */
  private storeComparison(plan: ComparisonPlan, placement: RunPlacement): number {
    const id = this.store.createComparison({ name: plan.name, arms: plan.labels, baseline: plan.baseline, seeds: plan.seeds, varies: plan.varies });
    for (const run of plan.runs) {
      this.store.createRun({ name: `${plan.name} · ${run.arm} · seed ${run.config.seed}`, config: run.config, comparisonId: id, arm: run.arm, placement });
    }
    return id;
  }

  async createStudy(request: NewStudy): Promise<StudyDetail> {
    const study = check(newStudySchema, request, 'request');
    // every cell's every run is checked before anything is stored: a bad value or arm starts nothing
    const cells = planStudy(study).map((cell) => ({ value: cell.value, plan: planComparison(cell.comparison) }));
    for (const cell of cells) for (const run of cell.plan.runs) await this.refuseUnfit(run.config, run.where);
    const placement = await this.placement(study.placement);
    const first = cells[0]!.plan;
    const definition = { config: study.config, arms: first.labels.map((label, i) => ({ label, optimizer: study.arms[i]!.optimizer })), baseline: first.baseline, axis: study.axis ?? null, seeds: study.seeds };
    const studyId = this.store.transaction(() => {
      const id = this.store.studies.create(study.name, study.preset ?? null, definition);
      for (const cell of cells) this.store.studies.attachComparison(id, this.storeComparison(cell.plan, placement), cell.value);
      return id;
    });
    // seed by seed: every cell gets its first seed before any gets its second
    const runs = this.studyRuns(studyId);
    for (const seed of study.seeds) for (const run of runs.filter((r) => r.config.seed === seed)) await this.enqueue(run.id);
    return this.getStudy(studyId);
  }

  async listStudies(): Promise<StudyInfo[]> {
    return this.store.studies.list();
  }

  async getStudy(studyId: number): Promise<StudyDetail> {
    const study = this.store.studies.get(check(studyIdSchema, studyId, 'studyId'));
    const cells = study.cells.map((cell) => ({ value: cell.value, runs: this.store.runsOfComparison(cell.comparisonId) }));
    return { study, results: studyResults(study, cells, (runId) => this.store.epochs(runId).at(-1)) };
  }

  async resumeStudy(studyId: number): Promise<StudyDetail> {
    const id = check(studyIdSchema, studyId, 'studyId');
    this.store.studies.get(id);
    // paused runs stay paused: the user paused them; everything else that did not complete goes on
    for (const run of this.studyRuns(id)) if (run.status !== 'paused' && RESUMABLE_STATUSES.includes(run.status)) await this.resumeRun(run.id);
    return this.getStudy(id);
  }

  async deleteStudy(studyId: number): Promise<void> {
    const id = check(studyIdSchema, studyId, 'studyId');
    this.store.studies.get(id);
    for (const run of this.studyRuns(id)) await this.deleteRun(run.id);
    this.store.studies.delete(id);
  }

  async exportStudy(request: { studyId: number; format: StudyExportFormat }): Promise<ExportResult> {
    const { studyId, format } = check(exportStudySchema, request, 'request');
    return storeStudyExport(this.store, await this.getStudy(studyId), format, readVersion());
  }

  private studyRuns(studyId: number): RunInfo[] {
    return this.store.studies.get(studyId).cells.flatMap((cell) => this.store.runsOfComparison(cell.comparisonId));
  }

  async listComparisons(): Promise<ComparisonInfo[]> {
    return this.store.listComparisons();
  }

  async getComparison(comparisonId: number): Promise<ComparisonDetail> {
    const comparison = this.store.getComparison(check(comparisonIdSchema, comparisonId, 'comparisonId'));
    const runs = this.store.runsOfComparison(comparison.id);
    return { comparison, runs, results: comparisonResults(comparison.arms, comparison.baseline, runs, comparison.seeds) };
  }

  async deleteComparison(comparisonId: number, options?: { withRuns?: boolean }): Promise<void> {
    const id = check(comparisonIdSchema, comparisonId, 'comparisonId');
    const { withRuns } = check(deleteComparisonOptionsSchema, options, 'options');
    const { runIds } = this.store.getComparison(id);
    if (withRuns) for (const runId of runIds) await this.deleteRun(runId);
    this.store.deleteComparison(id, false);
  }

  async exportRun(request: { runId: number; format: ExportFormat }): Promise<ExportResult> {
    const { runId, format } = check(exportRunSchema, request, 'request');
    return storeRunExport(this.store, runId, format, readVersion());
  }

  async exportComparison(request: { comparisonId: number }): Promise<ExportResult> {
    const { comparisonId } = check(exportComparisonSchema, request, 'request');
    return storeComparisonReport(this.store, await this.getComparison(comparisonId), readVersion());
  }

  /** For the shells (not part of StudioApi): an export or report file the user may download or save. */
  downloadableFile(fileId: number): DownloadableFile | undefined {
    return downloadableFile(this.store, fileId);
  }

  onRunUpdate(listener: (run: RunInfo) => void, onError?: SubscriptionErrorListener): Unsubscribe {
    return subscribing(onError, () => this.manager.onRunUpdate(listener));
  }

  subscribeRun(runId: number, options: { afterStep?: number }, listener: (event: RunStreamEvent) => void, onError?: SubscriptionErrorListener): Unsubscribe {
    return subscribing(onError, () => {
      const id = check(runIdSchema, runId, 'runId');
      const { afterStep } = check(subscribeOptionsSchema, options, 'options');
      return this.manager.subscribe(id, afterStep ?? 0, listener);
    });
  }

  async describeModel(request: ModelDescriptionRequest): Promise<ModelDescription> {
    const { model, inputShape, classes, data } = check(describeModelSchema, request, 'request');
    const dataset = data === undefined ? undefined : await this.dataset(data, 'request.data');
    const shape = inputShape ?? (dataset ? [...dataset.imageShape] : [32, 32, 3]);
    const classCount = classes ?? dataset?.classNames.length ?? 10;
    let summary;
    try {
      summary = summarizeModel(buildModelSpec(model, shape, classCount));
    } catch (error) {
      throw new ConfigError(`request: ${model} does not build for input [${shape.join(', ')}] — ${(error as Error).message}`);
    }
    return { model, description: describeModelName(model), inputShape: shape, classes: classCount, parameterCount: summary.parameterCount, layers: summary.layers };
  }

  async previewDataset(data: unknown, options?: DatasetPreviewOptions): Promise<DatasetPreview> {
    const { labelNoise, seed, perClass } = check(previewOptionsSchema, options, 'options');
    const dataset = await this.dataset(data, 'data');
    return previewDataset(dataset, { labelNoise, seed, perClass });
  }

  private async dataset(input: unknown, where: string): Promise<ImageDataset> {
    const spec = check(datasetSpecSchema, input, where);
    const key = JSON.stringify(spec);
    if (this.loadedDataset?.key !== key) {
      // a file that cannot be read is the caller's input: a ConfigError naming the field (the readers' messages name files, never content)
      const dataset = readDataset(spec).catch((error: unknown) => {
        throw new ConfigError(`${where}.${datasetErrorField(error)}: ${error instanceof Error ? error.message : String(error)}`);
      });
      this.loadedDataset = { key, dataset };
      // a failed load is not kept, so the next call tries again
      dataset.catch(() => {
        if (this.loadedDataset?.dataset === dataset) this.loadedDataset = undefined;
      });
    }
    return this.loadedDataset.dataset;
  }

  async downloadDataset(name: string): Promise<DatasetCacheEntry> {
    return this.downloads.get(check(downloadableDatasetSchema, name, 'name'));
  }

  async datasetStatus(): Promise<DatasetStatus> {
    return this.downloads.status();
  }

  async analyzeRun(request: AnalysisRequest): Promise<AnalysisInfo> {
    const { runId, ...options } = check(analysisRequestSchema, request, 'request');
    return this.analyses.start(runId, options);
  }

  async getAnalyses(request: { runIds: number[] }): Promise<AnalysisInfo[]> {
    const { runIds } = check(getAnalysesSchema, request, 'request');
    for (const runId of runIds) this.store.getRun(runId);
    return this.store.analyses.ofRuns(runIds);
  }

  private defaults(): TrainConfig {
    const quick = PRESETS.quick!.config;
    return checkRunConfig({ ...quick, optimizer: { name: 'fsam', ...quick.optimizer } });
  }
}

/**
 * Opens a subscription; one that fails goes to `onError` when the caller gave one (StudioApi's rule), else
 * is thrown — which is how the transports (app/api/connection.ts) learn of it and answer with an error.
 */
function subscribing(onError: SubscriptionErrorListener | undefined, open: () => Unsubscribe): Unsubscribe {
  try {
    return open();
  } catch (error) {
    if (onError === undefined) throw error;
    onError(error instanceof Error ? error : new Error(String(error)));
    return () => {};
  }
}

/** Which optimizer fields (and "seed") differ between the configs of a comparison. */
function variedFields(configs: TrainConfig[]): string[] {
  const first = configs[0]!;
  const optimizerFields = (Object.keys(first.optimizer) as (keyof TrainConfig['optimizer'])[]).filter((field) =>
    configs.some((config) => config.optimizer[field] !== first.optimizer[field]),
  );
  const seedVaries = configs.some((config) => config.seed !== first.seed);
  // the optimizer's own name reads as "optimizer"; its settings by their names (rho, lambda, …)
  return [...optimizerFields.map((field) => (field === 'name' ? 'optimizer' : field)), ...(seedVaries ? ['seed'] : [])];
}
