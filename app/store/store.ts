/**
 * The studio's memory: every run (config, status and its transitions, backend, timestamps, error), its
 * per-step metrics and per-epoch evaluations, comparisons, and the files runs produced (kept on disk in the
 * files folder, referenced here). One process's run manager writes; any process may read.
 *
 * One module per table family does the SQL (runRecords, metricRecords, fileRecords, comparisonRecords,
 * analyses, studyRecords), each with its statements prepared once; this class opens the file, ties them together and
 * does what spans several of them (deleting a run with its files, a comparison with its runs).
 */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import type { ComparisonInfo, EpochMetrics, EpochSeriesName, RunFile, RunStatus, RunTransition, StepMetrics, StepSeriesName } from '../domain/index.js';
import { filesFolderFor } from '../platform/location.js';
import { AnalysisRecords } from './analyses.js';
import { ComparisonRecords, type NewComparisonRecord } from './comparisonRecords.js';
import { openDatabase, type DatabaseOptions } from './database.js';
import { FileRecords } from './fileRecords.js';
import { MetricRecords, type RawSeries } from './metricRecords.js';
import type { RunInfo } from './records.js';
import { RunRecords, type NewRun, type RunStart } from './runRecords.js';
import { StudyRecords } from './studyRecords.js';
import { QueueCursors } from './queueCursors.js';

export type { NewComparisonRecord } from './comparisonRecords.js';
export type { RawSeries } from './metricRecords.js';
export type { NewRun, RunStart } from './runRecords.js';

/** Is the process that owns a run still alive? (signal 0 tests for existence; EPERM means it exists.) */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class StudioStore {
  readonly filesFolder: string;
  /** Sharpness analyses of runs (app/store/analyses.ts). */
  readonly analyses: AnalysisRecords;
  /** Studies: grids of comparisons (app/store/studyRecords.ts). */
  readonly studies: StudyRecords;
  /** Where this studio is in each job queue's event stream (app/store/queueCursors.ts). */
  readonly queueCursors: QueueCursors;
  private readonly runs: RunRecords;
  private readonly metrics: MetricRecords;
  private readonly runFiles: FileRecords;
  private readonly comparisons: ComparisonRecords;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.filesFolder = filesFolderFor(path);
    mkdirSync(this.filesFolder, { recursive: true });
    this.analyses = new AnalysisRecords(db, path, processAlive);
    this.studies = new StudyRecords(db, path);
    this.queueCursors = new QueueCursors(db);
    this.runs = new RunRecords(db, path);
    this.metrics = new MetricRecords(db);
    this.runFiles = new FileRecords(db, this.filesFolder);
    this.comparisons = new ComparisonRecords(db, path, (comparisonId) => this.runs.idsOfComparison(comparisonId));
  }

  /** Opens (creating if needed) the store at `path`; runs left active by a process that is gone become "interrupted". */
  static open(path: string, options: DatabaseOptions = {}): StudioStore {
    const store = new StudioStore(path, openDatabase(path, options));
    store.runs.recoverOrphans(processAlive);
    return store;
  }

  close(): void {
    this.db.close();
  }

  /** Runs in one transaction (a batch of writes that must land together). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // ── runs (runRecords.ts) ──────────────────────────────────────────────────────────────────────────────

  createRun(run: NewRun): RunInfo {
    return this.runs.create(run);
  }
  findRun(runId: number): RunInfo | undefined {
    return this.runs.find(runId);
  }
  getRun(runId: number): RunInfo {
    return this.runs.get(runId);
  }
  listRuns(): RunInfo[] {
    return this.runs.list();
  }
  runsOfComparison(comparisonId: number): RunInfo[] {
    return this.runs.ofComparison(comparisonId);
  }
  classNames(runId: number): string[] {
    return this.runs.classNames(runId);
  }
  /** Moves a run to `status` and records the transition; active statuses are owned by this process. */
  setStatus(runId: number, status: RunStatus, message: string | null = null): RunInfo {
    return this.runs.setStatus(runId, status, message);
  }
  /** What the worker learned when it started: backend, network size, steps. */
  recordStart(runId: number, start: RunStart): void {
    this.runs.recordStart(runId, start);
  }
  /** The host a remote worker trains a queued run on. */
  setWorkerHost(runId: number, host: string): void {
    this.runs.setWorkerHost(runId, host);
  }
  /** A queued run's next job attempt (1, 2, …). */
  nextAttempt(runId: number): number {
    return this.runs.nextAttempt(runId);
  }
  transitions(runId: number): RunTransition[] {
    return this.runs.transitions(runId);
  }

  /** Deletes the run, its metrics and its files on disk. */
  deleteRun(runId: number): void {
    this.runs.delete(runId);
    this.runFiles.deleteRunFolder(runId);
  }

  // ── metrics (metricRecords.ts) ────────────────────────────────────────────────────────────────────────

  /** Appends a batch of steps in one transaction. */
  appendSteps(runId: number, steps: readonly StepMetrics[]): void {
    this.metrics.appendSteps(runId, steps);
  }
  /** Steps with index ≥ fromStep, in order (at most `limit`). */
  stepsFrom(runId: number, fromStep: number, limit?: number): StepMetrics[] {
    return this.metrics.stepsFrom(runId, fromStep, limit);
  }
  appendEpoch(runId: number, epoch: EpochMetrics): void {
    this.metrics.appendEpoch(runId, epoch);
  }
  epochs(runId: number): EpochMetrics[] {
    return this.metrics.epochs(runId);
  }
  /** Forgets what a run did after a checkpoint (steps ≥ step, epochs ≥ epochsDone); totals are recomputed. */
  rewindTo(runId: number, step: number, epochsDone: number): void {
    this.metrics.rewindTo(runId, step, epochsDone);
  }
  /** Whole step series of one run, in step order (x: steps done), read in one pass over its rows. */
  stepSeries(runId: number, names: readonly StepSeriesName[]): Map<StepSeriesName, RawSeries> {
    return this.metrics.stepSeries(runId, names);
  }
  epochSeries(runId: number, name: EpochSeriesName): RawSeries {
    return this.metrics.epochSeries(runId, name);
  }

  // ── files (fileRecords.ts) ────────────────────────────────────────────────────────────────────────────

  /** The folder for one run's checkpoints and exports. */
  runFolder(runId: number): string {
    return this.runFiles.runFolder(runId);
  }
  /** Records a file a run produced (stored relative to the files folder); returns its id. */
  addFile(runId: number, kind: RunFile['kind'], absolutePath: string, bytes: number, step: number | null = null): number {
    return this.runFiles.add(runId, kind, absolutePath, bytes, step);
  }
  /** A recorded file by its id, with its run (for serving exports); undefined when no file has that id. */
  findFile(fileId: number): { runId: number; file: RunFile } | undefined {
    return this.runFiles.find(fileId);
  }
  /** Records a new checkpoint and forgets (and deletes) the run's older ones: only the latest is needed to resume. */
  replaceCheckpoint(runId: number, absolutePath: string, bytes: number, step: number): void {
    this.runFiles.replaceCheckpoint(runId, absolutePath, bytes, step);
  }
  files(runId: number): RunFile[] {
    return this.runFiles.ofRun(runId);
  }
  latestCheckpoint(runId: number): RunFile | undefined {
    return this.runFiles.latestCheckpoint(runId);
  }

  // ── comparisons (comparisonRecords.ts) ────────────────────────────────────────────────────────────────

  createComparison(comparison: NewComparisonRecord): number {
    return this.comparisons.create(comparison);
  }
  getComparison(comparisonId: number): ComparisonInfo {
    return this.comparisons.get(comparisonId);
  }
  listComparisons(): ComparisonInfo[] {
    return this.comparisons.list();
  }

  /** Deletes the comparison; its runs stay (outside any comparison) unless `withRuns`. */
  deleteComparison(comparisonId: number, withRuns: boolean): void {
    const { runIds } = this.getComparison(comparisonId);
    if (withRuns) for (const runId of runIds) this.deleteRun(runId);
    this.comparisons.delete(comparisonId);
  }
}
