/**
 * The run_files table: checkpoints, exports and reports a run produced. The files themselves live in the
 * store's files folder (one folder per run); rows keep their paths relative to it, so the store can move.
 */
import type Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { RunFile } from '../domain/index.js';

interface FileRow {
  id: number;
  run_id: number;
  kind: RunFile['kind'];
  path: string;
  bytes: number;
  created_at: number;
  step: number | null;
}

export class FileRecords {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    readonly filesFolder: string,
  ) {
    this.statements = {
      insert: db.prepare('INSERT INTO run_files (run_id, kind, path, bytes, created_at, step) VALUES (?, ?, ?, ?, ?, ?)'),
      ofRun: db.prepare<[number], FileRow>('SELECT * FROM run_files WHERE run_id = ? ORDER BY id'),
      byId: db.prepare<[number], FileRow>('SELECT * FROM run_files WHERE id = ?'),
      deleteCheckpoints: db.prepare(`DELETE FROM run_files WHERE run_id = ? AND kind = 'checkpoint'`),
    };
  }

  /** The folder for one run's checkpoints and exports. */
  runFolder(runId: number): string {
    return join(this.filesFolder, `run-${runId}`);
  }

  /** Records a file a run produced (stored relative to the files folder, so the store can be moved with it); returns its id. */
  add(runId: number, kind: RunFile['kind'], absolutePath: string, bytes: number, step: number | null = null): number {
    const stored = isAbsolute(absolutePath) ? relative(this.filesFolder, absolutePath) : absolutePath;
    return Number(this.statements.insert.run(runId, kind, stored, bytes, Date.now(), step).lastInsertRowid);
  }

  /** A recorded file by its id, with its run (for serving exports); undefined when no file has that id. */
  find(fileId: number): { runId: number; file: RunFile } | undefined {
    const row = this.statements.byId.get(fileId);
    return row && { runId: row.run_id, file: this.toRunFile(row) };
  }

  /** Records a new checkpoint and forgets (and deletes) the run's older ones: only the latest is needed to resume. */
  replaceCheckpoint(runId: number, absolutePath: string, bytes: number, step: number): void {
    const older = this.ofRun(runId).filter((f) => f.kind === 'checkpoint' && f.path !== absolutePath);
    this.db.transaction(() => {
      this.statements.deleteCheckpoints.run(runId);
      this.add(runId, 'checkpoint', absolutePath, bytes, step);
    })();
    for (const file of older) rmSync(file.path, { force: true });
  }

  ofRun(runId: number): RunFile[] {
    return this.statements.ofRun.all(runId).map((row) => this.toRunFile(row));
  }

  latestCheckpoint(runId: number): RunFile | undefined {
    return this.ofRun(runId)
      .filter((f) => f.kind === 'checkpoint')
      .at(-1);
  }

  /** Removes a run's folder with everything in it (its rows go with the run's). */
  deleteRunFolder(runId: number): void {
    rmSync(this.runFolder(runId), { recursive: true, force: true });
  }

  private toRunFile(row: FileRow): RunFile {
    return { id: row.id, kind: row.kind, path: join(this.filesFolder, row.path), bytes: row.bytes, createdAt: row.created_at, step: row.step };
  }
}
