/**
 * The step_metrics and epoch_metrics tables, and the run totals (steps, epochs, training time, final and
 * best accuracy) they keep up to date. The per-step columns come from STEP_METRICS (app/domain/metrics.ts):
 * a new metric is a row there plus a migration adding its column.
 */
import type Database from 'better-sqlite3';
import { OPTIMIZER_NAMES, STEP_METRICS, type EpochMetrics, type EpochSeriesName, type StepMetricName, type StepMetrics, type StepSeriesName } from '../domain/index.js';

/** A step_metrics row: the run, the step's position, and one column per STEP_METRICS entry. */
type StepRow = { step: number; epoch: number; elapsed_ms: number | null } & Record<string, number | null>;

const STEP_COLUMN: Record<StepMetricName, string> = Object.fromEntries(STEP_METRICS.map((m) => [m.name, m.column])) as Record<StepMetricName, string>;

/** Every column of step_metrics, in the order the insert binds them. */
export const STEP_TABLE_COLUMNS = ['run_id', 'step', 'epoch', ...STEP_METRICS.map((m) => m.column), 'elapsed_ms'] as const;

/**
 * An empty cell is a metric the optimizer does not report (null), or, for one every optimizer reports, a NaN
 * it was written with (SQLite keeps NaN as NULL): that reads back as NaN, as the trainer produced it.
 */
function fromCell(definition: (typeof STEP_METRICS)[number], value: number | null | undefined): number | null {
  if (value !== null && value !== undefined) return value;
  return definition.optimizers.length === OPTIMIZER_NAMES.length ? Number.NaN : null;
}

function toStepMetrics(row: StepRow): StepMetrics {
  const metrics = Object.fromEntries(STEP_METRICS.map((m) => [m.name, fromCell(m, row[m.column])]));
  return { step: row.step, epoch: row.epoch, elapsedMs: row.elapsed_ms ?? 0, ...metrics } as StepMetrics;
}

const EPOCH_COLUMNS: Record<EpochSeriesName, string> = {
  trainLoss: 'train_loss',
  trainAccuracy: 'train_accuracy',
  testLoss: 'test_loss',
  testAccuracy: 'test_accuracy',
  // kept only in the epoch's JSON detail (no column): absent, hence null, for runs without label noise
  trainCleanAccuracy: "json_extract(detail, '$.train.cleanAccuracy')",
};

export interface RawSeries {
  steps: number[];
  elapsedMs: number[];
  values: (number | null)[];
}

export class MetricRecords {
  private readonly statements;
  /** Series queries by their column list (a chart asks for the same few sets again and again). */
  private readonly seriesQueries = new Map<string, Database.Statement<[number]>>();

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insertStep: db.prepare(`INSERT INTO step_metrics (${STEP_TABLE_COLUMNS.join(', ')}) VALUES (${STEP_TABLE_COLUMNS.map(() => '?').join(', ')})`),
      advanceRun: db.prepare('UPDATE runs SET step = ?, training_ms = training_ms + ? WHERE id = ?'),
      stepsFrom: db.prepare<[number, number, number], StepRow>('SELECT * FROM step_metrics WHERE run_id = ? AND step >= ? ORDER BY step LIMIT ?'),
      insertEpoch: db.prepare(
        `INSERT INTO epoch_metrics (run_id, epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, elapsed_ms, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      endEpoch: db.prepare(
        `UPDATE runs SET epochs_done = ?, final_test_accuracy = ?, final_train_loss = ?,
           best_test_accuracy = MAX(COALESCE(best_test_accuracy, 0), ?) WHERE id = ?`,
      ),
      epochs: db.prepare<[number], { detail: string }>('SELECT detail FROM epoch_metrics WHERE run_id = ? ORDER BY epoch'),
      deleteStepsFrom: db.prepare('DELETE FROM step_metrics WHERE run_id = ? AND step >= ?'),
      deleteEpochsFrom: db.prepare('DELETE FROM epoch_metrics WHERE run_id = ? AND epoch >= ?'),
      recomputeTotals: db.prepare(
        `UPDATE runs SET step = ?, epochs_done = ?,
           training_ms = COALESCE((SELECT SUM(step_ms) FROM step_metrics WHERE run_id = runs.id), 0),
           final_test_accuracy = (SELECT test_accuracy FROM epoch_metrics WHERE run_id = runs.id ORDER BY epoch DESC LIMIT 1),
           final_train_loss = (SELECT train_loss FROM epoch_metrics WHERE run_id = runs.id ORDER BY epoch DESC LIMIT 1),
           best_test_accuracy = (SELECT MAX(test_accuracy) FROM epoch_metrics WHERE run_id = runs.id)
         WHERE id = ?`,
      ),
    };
  }

  /** Appends a batch of steps in one transaction. */
  appendSteps(runId: number, steps: readonly StepMetrics[]): void {
    if (steps.length === 0) return;
    this.db.transaction(() => {
      let trainingMs = 0;
      for (const s of steps) {
        this.statements.insertStep.run(runId, s.step, s.epoch, ...STEP_METRICS.map((m) => s[m.name]), s.elapsedMs);
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
      this.statements.endEpoch.run(epoch.epoch + 1, epoch.test.accuracy, epoch.train.loss, epoch.test.accuracy, runId);
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
      this.statements.deleteStepsFrom.run(runId, step);
      this.statements.deleteEpochsFrom.run(runId, epochsDone);
      this.statements.recomputeTotals.run(step, epochsDone, runId);
    })();
  }

  /** Whole step series of one run, in step order (x: steps done), read in one pass over its rows. */
  stepSeries(runId: number, names: readonly StepSeriesName[]): Map<StepSeriesName, RawSeries> {
    const rows = this.seriesQuery(names.map((name) => STEP_COLUMN[name]).join(', ')).raw().all(runId) as (number | null)[][];
    const steps = rows.map((r) => r[0]! + 1);
    const elapsedMs = rows.map((r) => r[1]!);
    return new Map(names.map((name, i) => [name, { steps, elapsedMs, values: rows.map((r) => r[i + 2]!) }]));
  }

  epochSeries(runId: number, name: EpochSeriesName): RawSeries {
    const rows = this.seriesQuery(`${EPOCH_COLUMNS[name]} AS value`, 'epoch_metrics').raw().all(runId) as [number, number, number | null][];
    return { steps: rows.map((r) => r[0]), elapsedMs: rows.map((r) => r[1]), values: rows.map((r) => r[2]) };
  }

  private seriesQuery(columns: string, table: 'step_metrics' | 'epoch_metrics' = 'step_metrics'): Database.Statement<[number]> {
    const key = `${table}:${columns}`;
    let statement = this.seriesQueries.get(key);
    if (!statement) {
      const order = table === 'step_metrics' ? 'step' : 'epoch';
      statement = this.db.prepare<[number]>(`SELECT step, elapsed_ms, ${columns} FROM ${table} WHERE run_id = ? ORDER BY ${order}`);
      this.seriesQueries.set(key, statement);
    }
    return statement;
  }
}
