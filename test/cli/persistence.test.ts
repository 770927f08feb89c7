/**
 * The CLI keeps its runs: train and compare write them to the store named by --db / FSAM_DB, `runs`
 * lists, shows, resumes and deletes them, and a CLI process killed mid-run leaves a run that the next
 * process finds interrupted and resumes to the same weights as an uninterrupted run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StudioStore } from '../../app/store/store.js';
import { readCheckpoint } from '../../app/training/checkpoint.js';
import { runCli, spawnCli } from '../support/cli.js';
import { temporaryFolder, until } from '../support/runs.js';

const TINY = ['--model', 'mlp', '--train-count', '256', '--test-count', '64', '--batch-size', '32'];
const folder = temporaryFolder('fsam-cli-persistence-');
after(() => folder.remove());

function weightsOf(database: string, runId: number): Map<string, number[]> {
  const store = StudioStore.open(database);
  try {
    const checkpoint = store.latestCheckpoint(runId);
    assert.ok(checkpoint, `run ${runId} has a checkpoint`);
    return new Map(readCheckpoint(checkpoint.path).network.map((t) => [t.name, [...t.values]]));
  } finally {
    store.close();
  }
}

test('train and compare save into --db; runs list, show and delete read and manage them', async () => {
  const database = join(folder.path, 'flag.db');
  const trained = await runCli(['train', ...TINY, '--epochs', '1', '--optimizer', 'sam', '--name', 'my sam run', '--db', database, '--json']);
  assert.equal(trained.code, 0, trained.stderr);
  const trainReport = JSON.parse(trained.stdout);
  assert.equal(trainReport.database, database);
  const runId = trainReport.runs[0].id as number;

  const compared = await runCli(['compare', ...TINY, '--epochs', '1', '--optimizers', 'sam,fsam', '--seeds', '1,2', '--json'], { FSAM_DB: database });
  assert.equal(compared.code, 0, compared.stderr);
  const comparison = JSON.parse(compared.stdout);
  assert.deepEqual(comparison.runs.map((r: { arm: string; seed: number }) => `${r.arm}/${r.seed}`), ['sam/1', 'fsam/1', 'sam/2', 'fsam/2']);
  assert.equal(comparison.results.differences.length, 2, 'fsam − sam on final and best test accuracy');
  const [difference] = comparison.results.differences;
  assert.equal(difference.pairs, 2);
  assert.ok(difference.low <= difference.meanDifference && difference.meanDifference <= difference.high);

  const listed = JSON.parse((await runCli(['runs', 'list', '--json', '--db', database])).stdout);
  assert.equal(listed.runs.length, 5);
  assert.equal(listed.runs.find((r: { id: number }) => r.id === runId).name, 'my sam run');
  const table = await runCli(['runs', 'list', '--db', database]);
  assert.match(table.stdout, /my sam run\s+completed\s+8\/8/);

  const shown = await runCli(['runs', 'show', String(runId), '--db', database]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /history:\n.*queued\n.*running\n.*completed/);
  assert.match(shown.stdout, /checkpoint .*checkpoint-step-8\.ckpt/);
  const detail = JSON.parse((await runCli(['runs', 'show', String(runId), '--json', '--db', database])).stdout);
  assert.equal(detail.run.config.optimizer.name, 'sam');
  const checkpointPath = detail.files[0].path as string;
  assert.ok(existsSync(checkpointPath));

  const deleted = await runCli(['runs', 'delete', String(runId), '--db', database]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(existsSync(checkpointPath), false, 'the run\'s files are deleted with it');
  const missing = await runCli(['runs', 'show', String(runId), '--db', database]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`no run ${runId}`));
  assert.equal((await runCli(['runs', 'resume', 'x', '--db', database])).code, 2);
});

test('a CLI process killed mid-run leaves an interrupted run; runs resume finishes it with the uninterrupted weights', async () => {
  const database = join(folder.path, 'crash.db');
  const settings = [...TINY, '--epochs', '12', '--optimizer', 'fsam', '--seed', '7', '--db', database];
  const reference = await runCli(['train', ...settings, '--json']);
  assert.equal(reference.code, 0, reference.stderr);
  const referenceId = JSON.parse(reference.stdout).runs[0].id as number;

  const child = spawnCli(['train', ...settings, '--json']);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // watch the store from this process, as a second reader, until the run has an epoch checkpoint
  const watcher = StudioStore.open(database);
  const crashedId = referenceId + 1;
  try {
    await until(() => (watcher.findRun(crashedId) && watcher.latestCheckpoint(crashedId) !== undefined) === true, 'the child to write an epoch checkpoint');
    assert.equal(watcher.getRun(crashedId).status, 'running', 'a live owner keeps its run running for other readers');
  } finally {
    watcher.close();
  }
  child.kill('SIGKILL');
  await exited;

  const listed = JSON.parse((await runCli(['runs', 'list', '--json', '--db', database])).stdout);
  const crashed = listed.runs.find((r: { id: number }) => r.id === crashedId);
  assert.equal(crashed.status, 'interrupted');
  assert.ok(crashed.steps < 96, `killed before the end (${crashed.steps} steps)`);

  const resumed = await runCli(['runs', 'resume', String(crashedId), '--db', database, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const report = JSON.parse(resumed.stdout).runs[0];
  assert.equal(report.status, 'completed');
  assert.equal(report.steps, 96);
  assert.deepEqual(weightsOf(database, crashedId), weightsOf(database, referenceId));
  const again = await runCli(['runs', 'resume', String(crashedId), '--db', database]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /completed; only .* runs can be resumed/);
});
