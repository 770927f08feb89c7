/**
 * The analyses table: one row per sharpness analysis of a run (migration 2). Written only by the process
 * whose analysis manager computes it; rows left queued or running by a process that is gone become
 * "interrupted" the next time any process opens the store.
 */
import type Database from 'better-sqlite3';
import type { AnalysisInfo, AnalysisOptions, AnalysisProgress, AnalysisResult, AnalysisStatus } from '../domain/analysis.js';
import { NotFoundError } from '../validation.js';

interface AnalysisRow {
  id: number;
  run_id: number;
  options: string;
  status: AnalysisStatus;
  message: string | null;
  progress: string | null;
  result: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  owner_pid: number | null;
}

function toAnalysisInfo(row: AnalysisRow): AnalysisInfo {
  return {
    id: row.id,
    runId: row.run_id,
    status: row.status,
    options: JSON.parse(row.options) as AnalysisOptions,
    progress: row.progress ? (JSON.parse(row.progress) as AnalysisProgress) : null,
    message: row.message,
    result: row.result ? (JSON.parse(row.result) as AnalysisResult) : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

export class AnalysisRecords {
  private readonly byId;

  constructor(
    private readonly db: Database.Database,
    private readonly storePath: string,
    isProcessAlive: (pid: number) => boolean,
  ) {
    this.byId = db.prepare<[number], AnalysisRow>('SELECT * FROM analyses WHERE id = ?');
    const orphans = db
      .prepare<[], { id: number; owner_pid: number | null }>(`SELECT id, owner_pid FROM analyses WHERE status IN ('queued', 'running')`)
      .all()
      .filter((row) => row.owner_pid === null || !isProcessAlive(row.owner_pid));
    for (const { id } of orphans) this.end(id, 'interrupted', 'the process computing this analysis ended before it did; start it again');
  }

  create(runId: number, options: AnalysisOptions): AnalysisInfo {
    const { lastInsertRowid } = this.db
      .prepare(`INSERT INTO analyses (run_id, options, status, progress, created_at, owner_pid) VALUES (?, ?, 'queued', ?, ?, ?)`)
      .run(runId, JSON.stringify(options), JSON.stringify({ phase: 'loading', fraction: 0 } satisfies AnalysisProgress), Date.now(), process.pid);
    return this.get(Number(lastInsertRowid));
  }

  find(id: number): AnalysisInfo | undefined {
    const row = this.byId.get(id);
    return row && toAnalysisInfo(row);
  }

  get(id: number): AnalysisInfo {
    const found = this.find(id);
    if (!found) throw new NotFoundError(`There is no analysis ${id} in ${this.storePath}`);
    return found;
  }

  /** Every analysis of these runs, newest first. */
  ofRuns(runIds: readonly number[]): AnalysisInfo[] {
    if (runIds.length === 0) return [];
    const placeholders = runIds.map(() => '?').join(', ');
    return this.db
      .prepare<number[], AnalysisRow>(`SELECT * FROM analyses WHERE run_id IN (${placeholders}) ORDER BY id DESC`)
      .all(...runIds)
      .map(toAnalysisInfo);
  }

  markRunning(id: number): void {
    this.db.prepare(`UPDATE analyses SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'`).run(Date.now(), id);
  }

  setProgress(id: number, progress: AnalysisProgress): void {
    this.db.prepare(`UPDATE analyses SET progress = ? WHERE id = ? AND status IN ('queued', 'running')`).run(JSON.stringify(progress), id);
  }

  complete(id: number, result: AnalysisResult): void {
    this.db
      .prepare(`UPDATE analyses SET status = 'completed', result = ?, progress = NULL, message = NULL, ended_at = ?, owner_pid = NULL WHERE id = ?`)
      .run(JSON.stringify(result), Date.now(), id);
  }

  /** Ends an analysis without a result (failed or interrupted), with the reason. */
  end(id: number, status: 'failed' | 'interrupted', message: string): void {
    this.db.prepare(`UPDATE analyses SET status = ?, message = ?, progress = NULL, ended_at = ?, owner_pid = NULL WHERE id = ?`).run(status, message, Date.now(), id);
  }
}
