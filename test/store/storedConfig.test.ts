/**
 * A run whose stored config no longer validates (edited in the SQLite file, or written by a version that
 * validated differently) is reported, not cast: the runs still list, the bad one says what is wrong, and
 * resuming, analysing or exporting it is refused with a message naming the run and the field, changing nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { StudioService } from '../../app/api/service.js';
import { StudioStore } from '../../app/store/store.js';
import { ConfigError } from '../../app/validation.js';
import { temporaryFolder, tinyRunConfig } from '../support/runs.js';

const folder = temporaryFolder('fsam-stored-config-');
const databasePath = join(folder.path, 'studio.db');
let service: StudioService;

/** Changes run `runId`'s config column behind the store's back, as an editor or an older version would. */
function setStoredConfig(runId: number, sql: string, ...values: unknown[]): void {
  const db = new Database(databasePath);
  try {
    assert.equal(db.prepare(`UPDATE runs SET config = ${sql} WHERE id = ?`).run(...values, runId).changes, 1);
  } finally {
    db.close();
  }
}

async function refusedNaming(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

before(() => {
  const store = StudioStore.open(databasePath);
  for (const name of ['not JSON', 'lambda out of range', 'valid']) {
    const run = store.createRun({ name, config: tinyRunConfig({ epochs: 1 }) });
    store.setStatus(run.id, 'stopped', 'stopped by the user');
    // a checkpoint on record, so that analysis and export get as far as reading the config
    store.addFile(run.id, 'checkpoint', join(store.runFolder(run.id), 'checkpoint-step-8.ckpt'), 1, 8);
  }
  store.close();
  setStoredConfig(1, '?', '{"optimizer": {"name": "fsam", "lr": 0.05');
  setStoredConfig(2, "json_set(config, '$.optimizer.lambda', 1.5)");
  service = StudioService.open({ databasePath, concurrency: 1 });
});
after(async () => {
  await service.close();
  folder.remove();
});

test('the runs still list; the one with a bad config says which field, the valid one says nothing', async () => {
  const runs = await service.listRuns();
  assert.deepEqual(runs.map((run) => run.id), [3, 2, 1]);
  const [valid, lambda, notJson] = runs as [typeof runs[0], typeof runs[0], typeof runs[0]];
  assert.equal(valid.configProblem, undefined);
  assert.equal(valid.config.optimizer.lambda, 0.6);
  assert.match(lambda.configProblem ?? '', /^Run 2's stored config no longer validates — optimizer\.lambda: /);
  // the stored fields are shown as they are, not replaced by defaults
  assert.equal(lambda.config.optimizer.lambda, 1.5);
  assert.equal(lambda.config.optimizer.name, 'fsam');
  assert.equal(lambda.config.model, 'mlp');
  assert.match(notJson.configProblem ?? '', /^Run 1's stored config no longer validates — it is not JSON \(/);
  assert.equal(notJson.config.optimizer.name, '?', 'a listing can still read an optimizer name');
  assert.equal((await service.getRun(2)).run.configProblem, lambda.configProblem);
});

test('resuming, analysing or exporting a run whose config no longer validates is refused, and changes nothing', async () => {
  const before = await service.getRun(2);
  await refusedNaming(service.resumeRun(2), /^Run 2's stored config no longer validates — optimizer\.lambda: /);
  await refusedNaming(service.resumeRun(1), /^Run 1's stored config no longer validates — it is not JSON/);
  await refusedNaming(service.analyzeRun({ runId: 2 }), /^Run 2's stored config no longer validates — optimizer\.lambda: /);
  await refusedNaming(service.exportRun({ runId: 2, format: 'onnx' }), /^Run 2's stored config no longer validates — optimizer\.lambda: /);
  const now = await service.getRun(2);
  assert.equal(now.run.status, 'stopped');
  assert.deepEqual(now.transitions, before.transitions, 'no transition was recorded');
  assert.deepEqual(now.files, before.files, 'the checkpoint is still on record');
  assert.deepEqual(await service.getAnalyses({ runIds: [2] }), [], 'no analysis was queued');
});

test('a queued run whose config stopped validating fails with the reason when its turn comes; the queue goes on', async () => {
  const { store } = service;
  const bad = store.createRun({ name: 'queued, then edited', config: tinyRunConfig({ epochs: 1 }) });
  setStoredConfig(bad.id, "json_set(config, '$.batchSize', 0)");
  const good = store.createRun({ name: 'queued after it', config: tinyRunConfig({ epochs: 1 }) });
  service.manager.enqueue(bad.id);
  service.manager.enqueue(good.id);
  const failed = await service.manager.waitForEnd(bad.id);
  assert.equal(failed.status, 'failed');
  assert.match(failed.message ?? '', new RegExp(`^Run ${bad.id}'s stored config no longer validates — batchSize: `));
  const completed = await service.manager.waitForEnd(good.id);
  assert.equal(completed.status, 'completed', completed.message ?? '');
});
