/**
 * The studies table (migration 3): a study's definition, and the comparisons that make its cells
 * (comparisons.study_id, study_value). Its runs are those comparisons' runs.
 */
import type Database from 'better-sqlite3';
import { ACTIVE_STATUSES, RESUMABLE_STATUSES, type RunStatus, type StudyAxis, type StudyInfo } from '../domain/index.js';
import { NotFoundError } from '../validation.js';

/** What a study was created from, as validated (kept whole, so it can be shown and exported again). */
export interface StudyDefinition {
  /** The base run config every cell starts from (validated TrainConfig JSON). */
  config: unknown;
  arms: { label: string; optimizer: Record<string, unknown> }[];
  baseline: string;
  axis: StudyAxis | null;
  seeds: number[];
}

interface StudyRow {
  id: number;
  name: string;
  created_at: number;
  preset: string | null;
  definition: string;
}

export class StudyRecords {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly storePath: string,
  ) {
    this.statements = {
      insert: db.prepare('INSERT INTO studies (name, created_at, preset, definition) VALUES (?, ?, ?, ?)'),
      byId: db.prepare<[number], StudyRow>('SELECT * FROM studies WHERE id = ?'),
      all: db.prepare<[], StudyRow>('SELECT * FROM studies ORDER BY id DESC'),
      attach: db.prepare('UPDATE comparisons SET study_id = ?, study_value = ? WHERE id = ?'),
      cells: db.prepare<[number], { id: number; study_value: number | null }>('SELECT id, study_value FROM comparisons WHERE study_id = ? ORDER BY id'),
      runs: db.prepare<[number], { id: number; status: RunStatus }>(
        'SELECT runs.id, runs.status FROM runs JOIN comparisons ON runs.comparison_id = comparisons.id WHERE comparisons.study_id = ? ORDER BY runs.id',
      ),
      delete: db.prepare('DELETE FROM studies WHERE id = ?'),
    };
  }

  create(name: string, preset: string | null, definition: StudyDefinition): number {
    return Number(this.statements.insert.run(name, Date.now(), preset, JSON.stringify(definition)).lastInsertRowid);
  }

  /** Makes comparison `comparisonId` the study's cell for `value` of the swept setting. */
  attachComparison(studyId: number, comparisonId: number, value: number | null): void {
    this.statements.attach.run(studyId, value, comparisonId);
  }

  get(studyId: number): StudyInfo {
    const row = this.statements.byId.get(studyId);
    if (!row) throw new NotFoundError(`There is no study ${studyId} in ${this.storePath}`);
    return this.toStudyInfo(row);
  }

  definition(studyId: number): StudyDefinition {
    const row = this.statements.byId.get(studyId);
    if (!row) throw new NotFoundError(`There is no study ${studyId} in ${this.storePath}`);
    return JSON.parse(row.definition) as StudyDefinition;
  }

  list(): StudyInfo[] {
    return this.statements.all.all().map((row) => this.toStudyInfo(row));
  }

  /** Deletes the study's row; its comparisons go with it (ON DELETE CASCADE), its runs are the caller's. */
  delete(studyId: number): void {
    this.get(studyId);
    this.statements.delete.run(studyId);
  }

  private toStudyInfo(row: StudyRow): StudyInfo {
    const definition = JSON.parse(row.definition) as StudyDefinition;
    const runs = this.statements.runs.all(row.id);
    const count = (statuses: readonly RunStatus[]) => runs.filter((run) => statuses.includes(run.status)).length;
    return {
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      preset: row.preset,
      arms: definition.arms.map((arm) => arm.label),
      baseline: definition.baseline,
      axis: definition.axis,
      seeds: definition.seeds,
      cells: this.statements.cells.all(row.id).map((cell) => ({ value: cell.study_value, comparisonId: cell.id })),
      runIds: runs.map((run) => run.id),
      progress: {
        total: runs.length,
        completed: count(['completed']),
        active: count(ACTIVE_STATUSES),
        unfinished: count(RESUMABLE_STATUSES.filter((status) => status !== 'paused')),
      },
    };
  }
}
