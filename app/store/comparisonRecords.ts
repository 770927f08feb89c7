/** The comparisons table: a comparison's arms, baseline, seeds and what varies; its runs point at it. */
import type Database from 'better-sqlite3';
import type { ComparisonInfo } from '../domain/index.js';
import { NotFoundError } from '../validation.js';

interface ComparisonRow {
  id: number;
  name: string;
  created_at: number;
  arms: string;
  baseline: string;
  seeds: string;
  varies: string;
}

export interface NewComparisonRecord {
  name: string;
  arms: string[];
  baseline: string;
  seeds: number[];
  varies: string[];
}

export class ComparisonRecords {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly storePath: string,
    /** The ids of a comparison's runs (kept in the runs table). */
    private readonly runIdsOf: (comparisonId: number) => number[],
  ) {
    this.statements = {
      insert: db.prepare('INSERT INTO comparisons (name, created_at, arms, baseline, seeds, varies) VALUES (?, ?, ?, ?, ?, ?)'),
      byId: db.prepare<[number], ComparisonRow>('SELECT * FROM comparisons WHERE id = ?'),
      all: db.prepare<[], ComparisonRow>('SELECT * FROM comparisons ORDER BY id DESC'),
      delete: db.prepare('DELETE FROM comparisons WHERE id = ?'),
    };
  }

  create(comparison: NewComparisonRecord): number {
    const { lastInsertRowid } = this.statements.insert.run(
      comparison.name,
      Date.now(),
      JSON.stringify(comparison.arms),
      comparison.baseline,
      JSON.stringify(comparison.seeds),
      JSON.stringify(comparison.varies),
    );
    return Number(lastInsertRowid);
  }

  get(comparisonId: number): ComparisonInfo {
    const row = this.statements.byId.get(comparisonId);
    if (!row) throw new NotFoundError(`There is no comparison ${comparisonId} in ${this.storePath}`);
    return this.toComparisonInfo(row);
  }

  list(): ComparisonInfo[] {
    return this.statements.all.all().map((row) => this.toComparisonInfo(row));
  }

  /** Deletes the comparison's row (its runs are the caller's to keep or delete). */
  delete(comparisonId: number): void {
    this.statements.delete.run(comparisonId);
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
      runIds: this.runIdsOf(row.id),
    };
  }
}
