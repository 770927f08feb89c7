/**
 * Studies end to end through the CLI (real child processes, worker threads, SQLite): a grid of 2 arms × 2 ρ ×
 * 2 seeds trains and its table matches means and Student-t intervals computed here from the runs' own
 * accuracies; a study whose process is killed mid-run resumes to the same final weights, run by run, as the
 * uninterrupted one; a sweep an arm would override is refused before anything is stored; delete removes it all.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioStore } from '../../app/store/store.js';
import { readCheckpoint } from '../../app/training/checkpoint.js';
import { runCli, spawnCli } from '../support/cli.js';
import { temporaryFolder, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-cli-study-');
after(() => folder.remove());

/** Student's t quantile for a 95 % two-sided interval with one degree of freedom (two seeds), from a table. */
const T_975_DF1 = 12.706204736;

const STUDY = {
  name: 'tiny grid',
  config: { data: { name: 'shapes10', trainCount: 512, testCount: 64, size: 8, channels: 1 }, model: 'mlp', epochs: 4, batchSize: 32, trainEvalCount: 64, optimizer: { name: 'sam', lr: 0.05 } },
  arms: [
    { label: 'SAM', optimizer: { name: 'sam' } },
    { label: 'F-SAM', optimizer: { name: 'fsam' } },
  ],
  axis: { parameter: 'rho', values: [0.05, 0.2] },
  seeds: [1, 2],
  baseline: 'SAM',
};
const studyFile = join(folder.path, 'study.json');
writeFileSync(studyFile, JSON.stringify(STUDY));

interface RunReport {
  id: number;
  arm: string;
  comparisonId: number;
  seed: number;
  status: string;
  finalTestAccuracy: number;
}
interface StudyJson {
  study: { id: number; cells: { value: number; comparisonId: number }[]; runIds: number[]; progress: { total: number; completed: number } };
  results: { cells: { arm: string; value: number; completed: number; finalTestAccuracy: { mean: number; low: number; high: number; count: number } }[]; differences: { arm: string; value: number; metric: string; mean: number; low: number; high: number }[] };
  runs: RunReport[];
}

/** Final weights of every run of a study, keyed by arm, ρ and seed. */
function finalWeights(database: string, report: StudyJson): Map<string, Map<string, number[]>> {
  const store = StudioStore.open(database);
  try {
    const valueOf = new Map(report.study.cells.map((cell) => [cell.comparisonId, cell.value]));
    return new Map(
      report.runs.map((run) => {
        const checkpoint = store.latestCheckpoint(run.id);
        assert.ok(checkpoint, `run ${run.id} has a checkpoint`);
        return [`${run.arm} ρ=${valueOf.get(run.comparisonId)} seed ${run.seed}`, new Map(readCheckpoint(checkpoint.path).network.map((t) => [t.name, [...t.values]]))];
      }),
    );
  } finally {
    store.close();
  }
}

let reference: StudyJson;
const referenceDatabase = join(folder.path, 'reference.db');

test('a study trains its grid and reports means and 95 % intervals over seeds that match a computation by hand', async () => {
  const result = await runCli(['study', '--config', studyFile, '--db', referenceDatabase, '--json']);
  assert.equal(result.code, 0, result.stderr);
  reference = JSON.parse(result.stdout) as StudyJson;
  assert.equal(reference.study.progress.total, 8);
  assert.equal(reference.study.progress.completed, 8);
  const valueOf = new Map(reference.study.cells.map((cell) => [cell.comparisonId, cell.value]));
  for (const cell of reference.results.cells) {
    const accuracies = reference.runs.filter((run) => run.arm === cell.arm && valueOf.get(run.comparisonId) === cell.value).map((run) => run.finalTestAccuracy);
    assert.equal(accuracies.length, 2);
    const mean = (accuracies[0]! + accuracies[1]!) / 2;
    const sd = Math.abs(accuracies[0]! - accuracies[1]!) / Math.SQRT2;
    const half = (T_975_DF1 * sd) / Math.SQRT2;
    assert.ok(Math.abs(cell.finalTestAccuracy.mean - mean) < 1e-12, `${cell.arm} ρ=${cell.value} mean`);
    assert.ok(Math.abs(cell.finalTestAccuracy.low - (mean - half)) < 1e-9 && Math.abs(cell.finalTestAccuracy.high - (mean + half)) < 1e-9, `${cell.arm} ρ=${cell.value} interval`);
    assert.equal(cell.finalTestAccuracy.count, 2);
  }
  for (const value of STUDY.axis.values) {
    const difference = reference.results.differences.find((d) => d.arm === 'F-SAM' && d.value === value && d.metric === 'finalTestAccuracy');
    assert.ok(difference, `F-SAM − SAM at ρ=${value}`);
    const paired = STUDY.seeds.map((seed) => {
      const of = (arm: string) => reference.runs.find((run) => run.arm === arm && run.seed === seed && valueOf.get(run.comparisonId) === value)!.finalTestAccuracy;
      return of('F-SAM') - of('SAM');
    });
    assert.ok(Math.abs(difference.mean - (paired[0]! + paired[1]!) / 2) < 1e-12);
  }
  const table = await runCli(['study', 'show', String(reference.study.id), '--db', referenceDatabase]);
  assert.match(table.stdout, /Study 1 "tiny grid": 8\/8 runs completed/);
  assert.match(table.stdout, /F-SAM\s+0\.2\s+2\/2/);
});

test('a study killed mid-run resumes where it was and ends with the uninterrupted study’s weights, run by run', async () => {
  const database = join(folder.path, 'crash.db');
  const child = spawnCli(['study', '--config', studyFile, '--db', database, '--json']);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const watcher = StudioStore.open(database);
  try {
    // some runs done, one in the middle of its epochs: an epoch checkpoint but not its last step
    await until(() => {
      const runs = watcher.listRuns();
      return runs.filter((run) => run.status === 'completed').length >= 2 && runs.some((run) => run.status === 'running' && watcher.latestCheckpoint(run.id) !== undefined);
    }, 'the study to be partly done with a run between two epochs');
  } finally {
    watcher.close();
  }
  child.kill('SIGKILL');
  await exited;

  const shown = JSON.parse((await runCli(['study', 'show', '1', '--db', database, '--json'])).stdout) as StudyJson;
  assert.ok(shown.study.progress.completed < 8, `killed before the end (${shown.study.progress.completed} of 8 completed)`);
  const resumed = await runCli(['study', 'resume', '1', '--db', database, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const report = JSON.parse(resumed.stdout) as StudyJson;
  assert.equal(report.study.progress.completed, 8);
  assert.deepEqual(finalWeights(database, report), finalWeights(referenceDatabase, reference));
  assert.deepEqual(report.results.cells, reference.results.cells, 'the same table as the uninterrupted study');
});

test('a sweep an arm would override is refused before anything is stored; one seed says it has no interval; delete removes the study', async () => {
  const database = join(folder.path, 'misc.db');
  const clash = join(folder.path, 'clash.json');
  writeFileSync(clash, JSON.stringify({ ...STUDY, arms: [{ label: 'SAM', optimizer: { name: 'sam', rho: 0.1 } }] }));
  const refused = await runCli(['study', '--config', clash, '--db', database]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /arms\[0\]\.optimizer\.rho: the study sweeps rho/);
  assert.equal(JSON.parse((await runCli(['runs', 'list', '--json', '--db', database])).stdout).runs.length, 0, 'nothing stored');

  const single = join(folder.path, 'single.json');
  writeFileSync(single, JSON.stringify({ ...STUDY, axis: undefined, seeds: [3], config: { ...STUDY.config, epochs: 1 } }));
  const trained = await runCli(['study', '--config', single, '--db', database]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /One seed: the means have no confidence interval/);
  const deleted = await runCli(['study', 'delete', '1', '--db', database]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(JSON.parse((await runCli(['runs', 'list', '--json', '--db', database])).stdout).runs.length, 0, 'the runs went with it');
  assert.equal(JSON.parse((await runCli(['study', 'list', '--json', '--db', database])).stdout).length, 0);
});
