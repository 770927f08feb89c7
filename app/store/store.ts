/**
 * The studio's memory: every run (config, status and its transitions, backend, timestamps, error), its
 * per-step metrics and per-epoch evaluations, comparisons, and the files runs produced (kept on disk in the
 * files folder, referenced here). One process's run manager writes; any process may read.
 */
import type Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type {
  ComparisonInfo,
  EpochMetrics,
  RunFile,
  RunInfo,
  RunStatus,
  RunTransition,
  StepMetrics,
  StepSeriesName,
  EpochSeriesName,
} from '../api/types.js';
import { ACTIVE_STATUSES } from '../api/types.js';
import type { TrainConfig } from '../training/config.js';
import { NotFoundError } from '../validation.js';
import { AnalysisRecords } from './analyses.js';
import { openDatabase, type DatabaseOptions } from './database.js';
import { readStoredConfig } from './storedConfig.js';
import { filesFolderFor } from './location.js';

interface RunRow {
  id: number;
  name: string;
  config: string;
  status: RunStatus;
  message: string | null;
  backend: string | null;
  device: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  comparison_id: number | null;
  arm: string | null;
  parameter_count: number | null;
  steps_per_epoch: number | null;
  total_steps: number | null;
  step: number;
  epochs_done: number;
  final_test_accuracy: number | null;
  best_test_accuracy: number | null;
  final_train_loss: number | null;
  training_ms: number;
  class_names: string | null;
  owner_pid: number | null;
}

interface StepRow {
  step: number;
  epoch: number;
  loss: number | null;
  perturbed_loss: number | null;
  gradient_norm: number | null;
  perturbation_norm: number | null;
  ema_norm: number | null;
  gradient_ema_cosine: number | null;
  learning_rate: number | null;
  step_ms: number | null;
  samples_per_second: number | null;
  elapsed_ms: number | null;
}

interface ComparisonRow {
  id: number;
  name: string;
  created_at: number;
  arms: string;
  baseline: string;
  seeds: string;
  varies: string;
}

/** Column of each step series in step_metrics. */
const STEP_COLUMNS: Record<StepSeriesName, keyof StepRow> = {
  loss: 'loss',
  perturbedLoss: 'perturbed_loss',
  gradientNorm: 'gradient_norm',
  perturbationNorm: 'perturbation_norm',
  emaNorm: 'ema_norm',
  gradientEmaCosine: 'gradient_ema_cosine',
  learningRate: 'learning_rate',
  stepMs: 'step_ms',
  samplesPerSecond: 'samples_per_second',
};

const EPOCH_COLUMNS: Record<EpochSeriesName, string> = {
  trainLoss: 'train_loss',
  trainAccuracy: 'train_accuracy',
  testLoss: 'test_loss',
  testAccuracy: 'test_accuracy',
  // kept only in the epoch's JSON detail (no column): absent, hence null, for runs without label noise
  trainCleanAccuracy: "json_extract(detail, '$.train.cleanAccuracy')",
};

export interface NewRun {
  name: string;
  config: TrainConfig;
  comparisonId?: number | null;
  arm?: string | null;
}

export interface RunStart {
  backend: string;
  device: string;
  parameterCount: number;
  stepsPerEpoch: number;
  totalSteps: number;
  classNames: string[];
}

export interface RawSeries {
  steps: number[];
  elapsedMs: number[];
  values: (number | null)[];
}

export interface NewComparisonRecord {
  name: string;
  arms: string[];
  baseline: string;
  seeds: number[];
  varies: string[];
}

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
  private readonly statements;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.filesFolder = filesFolderFor(path);
    mkdirSync(this.filesFolder, { recursive: true });
    this.analyses = new AnalysisRecords(db, path, processAlive);
    this.statements = {
      insertRun: db.prepare(
        `INSERT INTO runs (name, config, status, created_at, comparison_id, arm, owner_pid) VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
      ),
      runById: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      allRuns: db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY id DESC'),
      runsOfComparison: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE comparison_id = ? ORDER BY id'),
      insertTransition: db.prepare('INSERT INTO run_transitions (run_id, at, status, message) VALUES (?, ?, ?, ?)'),
      transitions: db.prepare<[number], RunTransition>('SELECT at, status, message FROM run_transitions WHERE run_id = ? ORDER BY rowid'),
      insertStep: db.prepare(
        `INSERT INTO step_metrics (run_id, step, epoch, loss, perturbed_loss, gradient_norm, perturbation_norm, ema_norm,
           gradient_ema_cosine, learning_rate, step_ms, samples_per_second, elapsed_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      advanceRun: db.prepare('UPDATE runs SET step = ?, training_ms = training_ms + ? WHERE id = ?'),
      stepsFrom: db.prepare<[number, number, number], StepRow>('SELECT * FROM step_metrics WHERE run_id = ? AND step >= ? ORDER BY step LIMIT ?'),
      insertEpoch: db.prepare(
        `INSERT INTO epoch_metrics (run_id, epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, elapsed_ms, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      epochs: db.prepare<[number], { detail: string }>('SELECT detail FROM epoch_metrics WHERE run_id = ? ORDER BY epoch'),
      insertFile: db.prepare('INSERT INTO run_files (run_id, kind, path, bytes, created_at, step) VALUES (?, ?, ?, ?, ?, ?)'),
      files: db.prepare<[number], { id: number; kind: RunFile['kind']; path: string; bytes: number; created_at: number; step: number | null }>(
        'SELECT * FROM run_files WHERE run_id = ? ORDER BY id',
      ),
      insertComparison: db.prepare('INSERT INTO comparisons (name, created_at, arms, baseline, seeds, varies) VALUES (?, ?, ?, ?, ?, ?)'),
      comparisonById: db.prepare<[number], ComparisonRow>('SELECT * FROM comparisons WHERE id = ?'),
      allComparisons: db.prepare<[], ComparisonRow>('SELECT * FROM comparisons ORDER BY id DESC'),
    };
  }

  /** Opens (creating if needed) the store at `path`; runs left active by a process that is gone become "interrupted". */
  static open(path: string, options: DatabaseOptions = {}): StudioStore {
    const store = new StudioStore(path, openDatabase(path, options));
    store.recoverOrphanedRuns();
    return store;
  }

  close(): void {
    this.db.close();
  }

  // ── runs ──────────────────────────────────────────────────────────────────────────────────────────────

  createRun(run: NewRun): RunInfo {
    const now = Date.now();
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = this.statements.insertRun.run(run.name, JSON.stringify(run.config), now, run.comparisonId ?? null, run.arm ?? null, process.pid);
      this.statements.insertTransition.run(lastInsertRowid, now, 'queued', null);
      return Number(lastInsertRowid);
    })();
    return this.getRun(id);
  }

  findRun(runId: number): RunInfo | undefined {
    const row = this.statements.runById.get(runId);
    return row && toRunInfo(row);
  }

  getRun(runId: number): RunInfo {
    const run = this.findRun(runId);
    if (!run) throw new NotFoundError(`There is no run ${runId} in ${this.path}`);
    return run;
  }

  listRuns(): RunInfo[] {
    return this.statements.allRuns.all().map(toRunInfo);
  }

  runsOfComparison(comparisonId: number): RunInfo[] {
    return this.statements.runsOfComparison.all(comparisonId).map(toRunInfo);
  }

  classNames(runId: number): string[] {
    const row = this.statements.runById.get(runId);
    return row?.class_names ? (JSON.parse(row.class_names) as string[]) : [];
  }

  /** Moves a run to `status` and records the transition; active statuses are owned by this process. */
  setStatus(runId: number, status: RunStatus, message: string | null = null): RunInfo {
    const now = Date.now();
    const active = ACTIVE_STATUSES.includes(status);
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE runs SET status = ?, message = ?, owner_pid = ?,
             started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
             ended_at = CASE WHEN ? THEN NULL ELSE ? END
           WHERE id = ?`,
        )
        .run(status, message, active ? process.pid : null, status, now, active ? 1 : 0, now, runId);
      this.statements.insertTransition.run(runId, now, status, message);
    })();
    return this.getRun(runId);
  }

  /** What the worker learned when it started: backend, network size, steps. */
  recordStart(runId: number, start: RunStart): void {
    this.db
      .prepare('UPDATE runs SET backend = ?, device = ?, parameter_count = ?, steps_per_epoch = ?, total_steps = ?, class_names = ? WHERE id = ?')
      .run(start.backend, start.device, start.parameterCount, start.stepsPerEpoch, start.totalSteps, JSON.stringify(start.classNames), runId);
  }

  transitions(runId: number): RunTransition[] {
    return this.statements.transitions.all(runId);
  }

  /** Deletes the run, its metrics and its files on disk. */
  deleteRun(runId: number): void {
    this.getRun(runId);
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    rmSync(this.runFolder(runId), { recursive: true, force: true });
  }

  // ── metrics ───────────────────────────────────────────────────────────────────────────────────────────

  /** Appends a batch of steps in one transaction. */
  appendSteps(runId: number, steps: readonly StepMetrics[]): void {
    if (steps.length === 0) return;
    this.db.transaction(() => {
      let trainingMs = 0;
      for (const s of steps) {
        this.statements.insertStep.run(
          runId, s.step, s.epoch, s.loss, s.perturbedLoss, s.gradientNorm, s.perturbationNorm, s.emaNorm,
          s.gradientEmaCosine, s.learningRate, s.stepMs, s.samplesPerSecond, s.elapsedMs,
        );
        trainingMs += s.stepMs;
      }
      this.statements.advanceRun.run(steps[steps.length - 1]!.step + 1, trainingMs, runId);
    })();
  }

  /** Steps with index ≥ fromStep, in order (at most `limit`). */
  stepsFrom(runId: number, fromStep: number, limit = Number.MAX_SAFE_INTEGER): StepMetrics[] {
    return this.statements.stepsFrom.all(runId, fromStep, limit).map(toStepMetrics);
  }

  appendEpoch(runId: number, epoch: EpochMetrics): void {
    this.db.transaction(() => {
      this.statements.insertEpoch.run(
        runId, epoch.epoch, epoch.step, epoch.train.loss, epoch.train.accuracy, epoch.test.loss, epoch.test.accuracy, epoch.elapsedMs, JSON.stringify(epoch),
      );
      this.db
        .prepare(
          `UPDATE runs SET epochs_done = ?, final_test_accuracy = ?, final_train_loss = ?,
             best_test_accuracy = MAX(COALESCE(best_test_accuracy, 0), ?) WHERE id = ?`,
        )
        .run(epoch.epoch + 1, epoch.test.accuracy, epoch.train.loss, epoch.test.accuracy, runId);
    })();
  }

  epochs(runId: number): EpochMetrics[] {
    return this.statements.epochs.all(runId).map((row) => JSON.parse(row.detail) as EpochMetrics);
  }

  /**
   * Forgets what a run did after a checkpoint (steps ≥ step, epochs ≥ epochsDone), before it trains them again
   * from that checkpoint. Totals are recomputed from what remains.
   */
  rewindTo(runId: number, step: number, epochsDone: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM step_metrics WHERE run_id = ? AND step >= ?').run(runId, step);
      this.db.prepare('DELETE FROM epoch_metrics WHERE run_id = ? AND epoch >= ?').run(runId, epochsDone);
      this.db
        .prepare(
          `UPDATE runs SET step = ?, epochs_done = ?,
             training_ms = COALESCE((SELECT SUM(step_ms) FROM step_metrics WHERE run_id = runs.id), 0),
             final_test_accuracy = (SELECT test_accuracy FROM epoch_metrics WHERE run_id = runs.id ORDER BY epoch DESC LIMIT 1),
             final_train_loss = (SELECT train_loss FROM epoch_metrics WHERE run_id = runs.id ORDER BY epoch DESC LIMIT 1),
             best_test_accuracy = (SELECT MAX(test_accuracy) FROM epoch_metrics WHERE run_id = runs.id)
           WHERE id = ?`,
        )
        .run(step, epochsDone, runId);
    })();
  }

  /** Whole step series of one run, in step order (x: steps done), read in one pass over its rows. */
  stepSeries(runId: number, names: readonly StepSeriesName[]): Map<StepSeriesName, RawSeries> {
    const columns = names.map((name) => STEP_COLUMNS[name]).join(', ');
    const rows = this.db.prepare(`SELECT step, elapsed_ms, ${columns} FROM step_metrics WHERE run_id = ? ORDER BY step`).raw().all(runId) as (number | null)[][];
    const steps = rows.map((r) => r[0]! + 1);
    const elapsedMs = rows.map((r) => r[1]!);
    return new Map(names.map((name, i) => [name, { steps, elapsedMs, values: rows.map((r) => r[i + 2]!) }]));
  }

  epochSeries(runId: number, name: EpochSeriesName): RawSeries {
    const column = EPOCH_COLUMNS[name];
    const rows = this.db.prepare(`SELECT step, elapsed_ms, ${column} AS value FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`).raw().all(runId) as [number, number, number | null][];
    return { steps: rows.map((r) => r[0]), elapsedMs: rows.map((r) => r[1]), values: rows.map((r) => r[2]) };
  }

  // ── files ─────────────────────────────────────────────────────────────────────────────────────────────

  /** The folder for one run's checkpoints and exports. */
  runFolder(runId: number): string {
    return join(this.filesFolder, `run-${runId}`);
  }

  /** Records a file a run produced (stored relative to the files folder, so the store can be moved with it); returns its id. */
  addFile(runId: number, kind: RunFile['kind'], absolutePath: string, bytes: number, step: number | null = null): number {
    const stored = isAbsolute(absolutePath) ? relative(this.filesFolder, absolutePath) : absolutePath;
    return Number(this.statements.insertFile.run(runId, kind, stored, bytes, Date.now(), step).lastInsertRowid);
  }

  /** A recorded file by its id, with its run (for serving exports); undefined when no file has that id. */
  findFile(fileId: number): { runId: number; file: RunFile } | undefined {
    const row = this.db
      .prepare<[number], { id: number; run_id: number; kind: RunFile['kind']; path: string; bytes: number; created_at: number; step: number | null }>('SELECT * FROM run_files WHERE id = ?')
      .get(fileId);
    if (!row) return undefined;
    return { runId: row.run_id, file: { id: row.id, kind: row.kind, path: join(this.filesFolder, row.path), bytes: row.bytes, createdAt: row.created_at, step: row.step } };
  }

  /** Records a new checkpoint and forgets (and deletes) the run's older ones: only the latest is needed to resume. */
  replaceCheckpoint(runId: number, absolutePath: string, bytes: number, step: number): void {
    const older = this.files(runId).filter((f) => f.kind === 'checkpoint' && f.path !== absolutePath);
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM run_files WHERE run_id = ? AND kind = 'checkpoint'`).run(runId);
      this.addFile(runId, 'checkpoint', absolutePath, bytes, step);
    })();
    for (const file of older) rmSync(file.path, { force: true });
  }

  files(runId: number): RunFile[] {
    return this.statements.files.all(runId).map((row) => ({
      id: row.id,
      kind: row.kind,
      path: join(this.filesFolder, row.path),
      bytes: row.bytes,
      createdAt: row.created_at,
      step: row.step,
    }));
  }

  latestCheckpoint(runId: number): RunFile | undefined {
    return this.files(runId)
      .filter((f) => f.kind === 'checkpoint')
      .at(-1);
  }

  // ── comparisons ───────────────────────────────────────────────────────────────────────────────────────

  createComparison(comparison: NewComparisonRecord): number {
    const { lastInsertRowid } = this.statements.insertComparison.run(
      comparison.name,
      Date.now(),
      JSON.stringify(comparison.arms),
      comparison.baseline,
      JSON.stringify(comparison.seeds),
      JSON.stringify(comparison.varies),
    );
    return Number(lastInsertRowid);
  }

  getComparison(comparisonId: number): ComparisonInfo {
    const row = this.statements.comparisonById.get(comparisonId);
    if (!row) throw new NotFoundError(`There is no comparison ${comparisonId} in ${this.path}`);
    return this.toComparisonInfo(row);
  }

  listComparisons(): ComparisonInfo[] {
    return this.statements.allComparisons.all().map((row) => this.toComparisonInfo(row));
  }

  /** Deletes the comparison; its runs stay (outside any comparison) unless `withRuns`. */
  deleteComparison(comparisonId: number, withRuns: boolean): void {
    const { runIds } = this.getComparison(comparisonId);
    if (withRuns) for (const runId of runIds) this.deleteRun(runId);
    this.db.prepare('DELETE FROM comparisons WHERE id = ?').run(comparisonId);
  }

  /** Runs in one transaction (a batch of writes that must land together). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  private toComparisonInfo(row: ComparisonRow): ComparisonInfo {
    return {
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      arms: JSON.parse(row.arms) as string[],
      baseline: row.baseline,
      seeds: JSON.parse(row.seeds) as number[],
      varies: JSON.parse(row.varies) as string[],
      runIds: this.statements.runsOfComparison.all(row.id).map((r) => r.id),
    };
  }

  /** A crash leaves runs "running"; when their owner process is gone they become "interrupted" (resumable). */
  private recoverOrphanedRuns(): void {
    const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
    const orphans = this.db
      .prepare<string[], { id: number; owner_pid: number | null }>(`SELECT id, owner_pid FROM runs WHERE status IN (${placeholders})`)
      .all(...ACTIVE_STATUSES)
      .filter((row) => row.owner_pid === null || !processAlive(row.owner_pid));
    for (const { id } of orphans) this.setStatus(id, 'interrupted', 'the process training this run ended before it did; resume it to continue from its last checkpoint');
  }
}

function toRunInfo(row: RunRow): RunInfo {
  // a config that no longer validates is reported with the run, not cast (app/store/storedConfig.ts)
  const { config, problem } = readStoredConfig(row.id, row.config);
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    config,
    ...(problem !== undefined ? { configProblem: problem } : {}),
    backend: row.backend,
    device: row.device,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    message: row.message,
    comparisonId: row.comparison_id,
    arm: row.arm,
    parameterCount: row.parameter_count,
    stepsPerEpoch: row.steps_per_epoch,
    totalSteps: row.total_steps,
    step: row.step,
    epochsDone: row.epochs_done,
    finalTestAccuracy: row.final_test_accuracy,
    bestTestAccuracy: row.best_test_accuracy,
    finalTrainLoss: row.final_train_loss,
    stepsPerSecond: row.training_ms > 0 ? row.step / (row.training_ms / 1000) : null,
    trainingMs: row.training_ms,
  };
}

function toStepMetrics(row: StepRow): StepMetrics {
  return {
    step: row.step,
    epoch: row.epoch,
    loss: row.loss ?? Number.NaN,
    perturbedLoss: row.perturbed_loss,
    gradientNorm: row.gradient_norm ?? Number.NaN,
    perturbationNorm: row.perturbation_norm,
    emaNorm: row.ema_norm,
    gradientEmaCosine: row.gradient_ema_cosine,
    learningRate: row.learning_rate ?? Number.NaN,
    stepMs: row.step_ms ?? 0,
    samplesPerSecond: row.samples_per_second ?? 0,
    elapsedMs: row.elapsed_ms ?? 0,
  };
}
