/** The analyses table (migration 2): a version-1 file is upgraded with its runs intact; rows follow their run; orphans end interrupted. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ANALYSIS_OPTIONS } from '../../app/analysis/options.js';
import type { AnalysisResult } from '../../app/domain/analysis.js';
import { SCHEMA_VERSION } from '../../app/store/database.js';
import { MIGRATIONS } from '../../app/store/migrations.js';
import { StudioStore } from '../../app/store/store.js';
import { parseTrainConfig } from '../../app/training/config.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-store-analyses-');
after(() => folder.remove());
const config = parseTrainConfig({ model: 'mlp', optimizer: { name: 'sam', lr: 0.1 } });

function fresh(name: string): string {
  mkdirSync(join(folder.path, name), { recursive: true });
  return join(folder.path, name, 'studio.db');
}

const result = { step: 8, loss: 0.5 } as AnalysisResult;

test('a store written before analyses existed (schema 1) is upgraded and keeps its runs', () => {
  // other migrations may come after this one: the file ends at the current version whatever it is
  assert.ok(SCHEMA_VERSION >= 2);
  const path = fresh('v1');
  const old = new Database(path);
  old.exec(MIGRATIONS[0]!);
  old.pragma('user_version = 1');
  old.prepare(`INSERT INTO runs (name, config, status, created_at) VALUES ('old run', ?, 'completed', 1)`).run(JSON.stringify(config));
  old.close();

  const store = StudioStore.open(path);
  try {
    assert.deepEqual(store.listRuns().map((r) => r.name), ['old run']);
    const runId = store.listRuns()[0]!.id;
    assert.deepEqual(store.analyses.ofRuns([runId]), []);
    const created = store.analyses.create(runId, DEFAULT_ANALYSIS_OPTIONS);
    assert.equal(created.status, 'queued');
    assert.deepEqual(created.options, DEFAULT_ANALYSIS_OPTIONS);
  } finally {
    store.close();
  }
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  raw.close();
});

test('an analysis moves queued → running → completed with its result; deleting the run deletes its analyses', () => {
  const store = StudioStore.open(fresh('lifecycle'));
  try {
    const run = store.createRun({ name: 'r', config });
    const other = store.createRun({ name: 'other', config });
    const analysis = store.analyses.create(run.id, DEFAULT_ANALYSIS_OPTIONS);
    store.analyses.create(other.id, DEFAULT_ANALYSIS_OPTIONS);
    store.analyses.markRunning(analysis.id);
    store.analyses.setProgress(analysis.id, { phase: 'hessian', fraction: 0.5 });
    assert.deepEqual(store.analyses.get(analysis.id).progress, { phase: 'hessian', fraction: 0.5 });
    store.analyses.complete(analysis.id, result);
    const done = store.analyses.get(analysis.id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.result, result);
    assert.equal(done.progress, null);
    assert.ok(done.startedAt !== null && done.endedAt !== null);
    // progress arriving late does not reopen a finished analysis
    store.analyses.setProgress(analysis.id, { phase: 'surface', fraction: 0.9 });
    assert.equal(store.analyses.get(analysis.id).progress, null);

    store.deleteRun(run.id);
    assert.deepEqual(store.analyses.ofRuns([run.id]), []);
    assert.equal(store.analyses.ofRuns([other.id]).length, 1, 'another run keeps its analysis');
  } finally {
    store.close();
  }
});

test('an analysis left running by a process that is gone is found interrupted by the next one', () => {
  const path = fresh('orphan');
  let analysisId: number;
  let runId: number;
  {
    const store = StudioStore.open(path);
    runId = store.createRun({ name: 'r', config }).id;
    store.setStatus(runId, 'completed');
    analysisId = store.analyses.create(runId, DEFAULT_ANALYSIS_OPTIONS).id;
    store.analyses.markRunning(analysisId);
    store.close();
  }
  // as if the process that computed it had died: a pid that cannot exist
  const raw = new Database(path);
  raw.prepare('UPDATE analyses SET owner_pid = ? WHERE id = ?').run(2 ** 31 - 2, analysisId);
  raw.close();
  const store = StudioStore.open(path);
  try {
    const analysis = store.analyses.get(analysisId);
    assert.equal(analysis.status, 'interrupted');
    assert.match(analysis.message ?? '', /start it again/);
    assert.equal(store.getRun(runId).status, 'completed', 'the run itself is untouched');
  } finally {
    store.close();
  }
});
