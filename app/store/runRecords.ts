/**
 * The runs and run_transitions tables: a run's config, status and its history of transitions, what its
 * worker reported at start, and the totals the metrics table keeps up to date. Statements are prepared once.
 */
import type Database from 'better-sqlite3';
import { ACTIVE_STATUSES, type RunStatus, type RunTransition } from '../domain/index.js';
import type { TrainConfig } from '../training/config.js';
import { NotFoundError } from '../validation.js';
import type { RunInfo, RunPlacement } from './records.js';
import { readStoredConfig } from './storedConfig.js';

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
  placement: RunPlacement;
  worker_host: string | null;
  queue_attempt: number;
}

export interface NewRun {
  name: string;
  config: TrainConfig;
  comparisonId?: number | null;
  arm?: string | null;
  /** Where it trains: this process's run manager (default) or a remote worker through the job queue. */
  placement?: RunPlacement;
}

export interface RunStart {
  backend: string;
  device: string;
  parameterCount: number;
  stepsPerEpoch: number;
  totalSteps: number;
  classNames: string[];
}

export class RunRecords {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly storePath: string,
  ) {
    this.statements = {
      insert: db.prepare(`INSERT INTO runs (name, config, status, created_at, comparison_id, arm, owner_pid, placement) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)`),
      byId: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      all: db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY id DESC'),
      ofComparison: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE comparison_id = ? ORDER BY id'),
      withStatusIn: db.prepare<string[], { id: number; owner_pid: number | null }>(
        // a queued run's trainer is a remote worker, not this studio's process: its events say how it goes on
        `SELECT id, owner_pid FROM runs WHERE placement = 'local' AND status IN (${ACTIVE_STATUSES.map(() => '?').join(', ')})`,
      ),
      setStatus: db.prepare(
        `UPDATE runs SET status = ?, message = ?, owner_pid = ?,
           started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
           ended_at = CASE WHEN ? THEN NULL ELSE ? END
         WHERE id = ?`,
      ),
      recordStart: db.prepare('UPDATE runs SET backend = ?, device = ?, parameter_count = ?, steps_per_epoch = ?, total_steps = ?, class_names = ? WHERE id = ?'),
      setWorkerHost: db.prepare('UPDATE runs SET worker_host = ? WHERE id = ?'),
      nextAttempt: db.prepare<[number], { queue_attempt: number }>('UPDATE runs SET queue_attempt = queue_attempt + 1 WHERE id = ? RETURNING queue_attempt'),
      delete: db.prepare('DELETE FROM runs WHERE id = ?'),
      insertTransition: db.prepare('INSERT INTO run_transitions (run_id, at, status, message) VALUES (?, ?, ?, ?)'),
      transitions: db.prepare<[number], RunTransition>('SELECT at, status, message FROM run_transitions WHERE run_id = ? ORDER BY rowid'),
    };
  }

  create(run: NewRun): RunInfo {
    const now = Date.now();
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = this.statements.insert.run(run.name, JSON.stringify(run.config), now, run.comparisonId ?? null, run.arm ?? null, process.pid, run.placement ?? 'local');
      this.statements.insertTransition.run(lastInsertRowid, now, 'queued', null);
      return Number(lastInsertRowid);
    })();
    return this.get(id);
  }

  find(runId: number): RunInfo | undefined {
    const row = this.statements.byId.get(runId);
    return row && toRunInfo(row);
  }

  get(runId: number): RunInfo {
    const run = this.find(runId);
    if (!run) throw new NotFoundError(`There is no run ${runId} in ${this.storePath}`);
    return run;
  }

  list(): RunInfo[] {
    return this.statements.all.all().map(toRunInfo);
  }

  ofComparison(comparisonId: number): RunInfo[] {
    return this.statements.ofComparison.all(comparisonId).map(toRunInfo);
  }

  idsOfComparison(comparisonId: number): number[] {
    return this.statements.ofComparison.all(comparisonId).map((row) => row.id);
  }

  classNames(runId: number): string[] {
    const row = this.statements.byId.get(runId);
    return row?.class_names ? (JSON.parse(row.class_names) as string[]) : [];
  }

  /** Moves a run to `status` and records the transition; active statuses are owned by this process. */
  setStatus(runId: number, status: RunStatus, message: string | null = null): RunInfo {
    const now = Date.now();
    const active = ACTIVE_STATUSES.includes(status);
    this.db.transaction(() => {
      this.statements.setStatus.run(status, message, active ? process.pid : null, status, now, active ? 1 : 0, now, runId);
      this.statements.insertTransition.run(runId, now, status, message);
    })();
    return this.get(runId);
  }

  /** What the worker learned when it started: backend, network size, steps. */
  recordStart(runId: number, start: RunStart): void {
    this.statements.recordStart.run(start.backend, start.device, start.parameterCount, start.stepsPerEpoch, start.totalSteps, JSON.stringify(start.classNames), runId);
  }

  /** The host a remote worker trains the run on (as it said when it started). */
  setWorkerHost(runId: number, host: string): void {
    this.statements.setWorkerHost.run(host, runId);
  }

  /** A queued run's next job attempt (1, 2, …): each enqueue of the run is its own job. */
  nextAttempt(runId: number): number {
    return this.statements.nextAttempt.get(runId)!.queue_attempt;
  }

  transitions(runId: number): RunTransition[] {
    return this.statements.transitions.all(runId);
  }

  /** Deletes the run's row; its metrics, transitions and file records go with it (ON DELETE CASCADE). */
  delete(runId: number): void {
    this.get(runId);
    this.statements.delete.run(runId);
  }

  /** A crash leaves runs "running"; when their owner process is gone they become "interrupted" (resumable). */
  recoverOrphans(isProcessAlive: (pid: number) => boolean): void {
    const orphans = this.statements.withStatusIn.all(...ACTIVE_STATUSES).filter((row) => row.owner_pid === null || !isProcessAlive(row.owner_pid));
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
    placement: row.placement,
    workerHost: row.worker_host,
    queueAttempt: row.queue_attempt,
  };
}
