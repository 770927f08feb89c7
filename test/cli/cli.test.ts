import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunInfo } from '../../app/api/types.js';
import { resultsTable, runReport, trainingTime } from '../../app/cli/reports.js';
import { StudioStore } from '../../app/store/store.js';
import { parseTrainConfig } from '../../app/training/config.js';
import { runCli } from '../support/cli.js';
import { writeCifar10Set, writeCsv, writeFile, writeIdxSet } from '../support/dataFiles.js';

const TINY = ['--model', 'mlp', '--train-count', '256', '--test-count', '64', '--batch-size', '32', '--epochs', '1'];

test('every command answers --help with its usage and exit code 0', async () => {
  for (const command of ['train', 'compare', 'runs', 'bench', 'info', 'start', 'analyze']) {
    const result = await runCli([command, '--help']);
    assert.equal(result.code, 0, `${command} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`fsam-studio ${command}`));
  }
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /train .*\n.*compare/s);
});

test('bad flags and config values exit 2 with a message naming the field and what is allowed', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--lr', 'fast'], /--lr must be a number, got "fast"/],
    [['train', '--epochs', '0'], /epochs:/],
    [['train', '--model', 'vgg99'], /model: .*"cnn"/],
    [['train', '--optimizer', 'adam'], /"adam" is not an optimizer; .*sgd, sam, fsam/],
    [['compare', '--seeds', '1,x'], /--seeds must be a number|--seeds must be whole numbers/],
    [['train', '--preset', 'slow'], /"slow" is not a preset; use one of: quick/],
    [['train', '--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['train', '--rho=-1'], /optimizer\.rho/],
    [['frobnicate'], /"frobnicate" is not a command/],
    [['bench', '--quick-scale', '0.5'], /--quick-scale applies to --quick-preset/],
    [['bench', '--quick-preset', '--quick-scale', '2'], /--quick-scale must be a number more than 0 and at most 1, got "2"/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')} exits 2 (stderr: ${result.stderr})`);
    assert.match(result.stderr, message, args.join(' '));
  }
});

test('a JSON config file is read, and a bad value in it is named', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'fsam-cli-'));
  const bad = join(folder, 'bad.json');
  writeFileSync(bad, JSON.stringify({ optimizer: { name: 'fsam', lr: 0.1, lambda: 1.5 } }));
  const result = await runCli(['train', '--config', bad]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /optimizer\.lambda/);
  const broken = join(folder, 'broken.json');
  writeFileSync(broken, '{ "epochs": ');
  assert.match((await runCli(['train', '--config', broken])).stderr, /not a JSON run config/);
});

test('train --json prints one JSON object with the run', async () => {
  const result = await runCli(['train', ...TINY, '--optimizer', 'sam', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(typeof report.backend, 'string');
  assert.equal(report.runs.length, 1);
  const [run] = report.runs;
  assert.equal(run.optimizer, 'sam');
  assert.equal(run.steps, 8);
  for (const field of ['seed', 'finalTestAccuracy', 'bestTestAccuracy', 'finalTrainLoss', 'wallSeconds', 'stepsPerSecond']) {
    assert.equal(typeof run[field], 'number', field);
  }
});

test('compare --seeds runs every optimizer for every seed, paired, and prints a table without --json', async () => {
  const json = await runCli(['compare', ...TINY, '--seeds', '3,4', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(
    report.runs.map((r: { optimizer: string; seed: number }) => `${r.optimizer}/${r.seed}`),
    ['sgd/3', 'sam/3', 'fsam/3', 'sgd/4', 'sam/4', 'fsam/4'],
  );
  // every run completed: each arm counts both seeds, nothing is provisional, and a winner is named
  assert.deepEqual(
    report.results.arms.map((a: { arm: string; completed: number; provisional: unknown[]; excluded: unknown[] }) => [a.arm, a.completed, a.provisional.length, a.excluded.length]),
    [
      ['sgd', 2, 0, 0],
      ['sam', 2, 0, 0],
      ['fsam', 2, 0, 0],
    ],
  );
  assert.equal(report.results.winnerPending, null);
  assert.ok(['sgd', 'sam', 'fsam'].includes(report.results.winner));
  const table = await runCli(['compare', ...TINY, '--optimizers', 'sam,fsam']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /run\s+optimizer\s+seed\s+status\s+final test acc/);
  assert.match(table.stdout, /\n\s*\d+\s+sam\s+1\s+completed/);
  assert.match(table.stdout, /\n\s*\d+\s+fsam\s+1\s+completed/);
  assert.match(table.stdout, /fsam − sam\s+final test acc\s+1\s+[-+]\d+\.\d+\s+needs ≥ 2 seeds/);
  assert.match(table.stdout, /only completed runs count/);
  assert.match(table.stdout, /\nsam \(baseline\)\s+1 of 1\s/);
  assert.match(table.stdout, /\nHighest mean final test accuracy: (sam|fsam)\./);
  assert.ok(!/provisional|not counted/i.test(table.stdout), 'nothing unfinished to mark');
});

test('bench --json reports step times and the store\'s ingestion rate', async () => {
  const result = await runCli(['bench', '--models', 'cnn', '--optimizers', 'sgd,fsam', '--steps', '1', '--warmup', '1', '--batch-size', '8', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(report.steps.map((s: { optimizer: string }) => s.optimizer), ['sgd', 'fsam']);
  assert.ok(report.steps.every((s: { medianCpuMs: number }) => s.medianCpuMs > 0 && Number.isFinite(s.medianCpuMs)), 'CPU time per step');
  assert.equal(report.storeIngestion.rows, 200_000);
  assert.ok(report.storeIngestion.rowsPerSecond > 0 && Number.isFinite(report.storeIngestion.rowsPerSecond));
  assert.deepEqual(report.augmentation.map((a: { transforms: string }) => a.transforms), ['crop,flip,cutout', 'crop', 'flip', 'cutout']);
  assert.ok(report.augmentation.every((a: { medianMs: number; batchSize: number }) => a.medianMs >= 0 && a.batchSize === 8));
  assert.equal(report.quickPreset, undefined, 'the quick preset is timed only when asked');
});

test('bench --quick-preset times the quick compare and prints its figures, a line per optimizer', async () => {
  // a hundredth of the preset's examples (at least one batch of 128): the same compare, in seconds
  const result = await runCli(['bench', '--models', 'cnn', '--optimizers', 'sgd', '--steps', '1', '--warmup', '1', '--batch-size', '8', '--quick-preset', '--quick-scale', '0.01']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^quick preset \(compare sgd, sam, fsam; 128 train \/ 10 test examples, 3 epochs, \d+ at once\): \d+\.\d s$/m);
  for (const optimizer of ['sgd', 'sam', 'fsam']) {
    assert.match(result.stdout, new RegExp(`^  ${optimizer}: completed, final test accuracy \\d+\\.\\d %, \\d+\\.\\d s, \\d+\\.\\d\\d steps/s$`, 'm'), result.stdout);
  }
});

describe('a config its data cannot train is refused before anything is stored (exit 2, the field named)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'fsam-cli-refuse-'));
  const env = { FSAM_DB: join(folder, 'studio.db'), FSAM_DATA_CACHE: join(folder, 'empty-cache') };
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('every data kind: a missing folder, a file of the wrong kind, a damaged set, a set not downloaded, a batch too large', async () => {
    const passwd = writeFile(join(folder, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    const cifar = writeCifar10Set(join(folder, 'cifar'), 2);
    writeFile(join(cifar, 'test_batch.bin'), new Uint8Array(100));
    const table = writeCsv(join(folder, 'table.csv'), 20);
    const idx = await writeIdxSet(join(folder, 'idx-1x1'), 8, 4, 1);
    const cases: [string[], RegExp][] = [
      [['train', '--data', `folder:${join(folder, 'nonexistent')}`], /config\.data\.path: image folder .*nonexistent does not exist or is not a folder/],
      [['train', '--data', join(folder, 'nonexistent')], /config\.data\.path: IDX data set folder .*nonexistent does not exist or is not a folder/],
      [['train', '--data', `csv:${passwd}`, '--model', 'mlp'], /config\.data\.path: passwd line 1: the header has only one column/],
      [['train', '--data', `csv:${table}`], /model: the cnn model needs images/],
      [['train', '--data', `csv:${table}`, '--model', 'mlp', '--train-count', '1000'], /config\.data\.trainCount: asked for 1000 examples/],
      [['train', '--data', `cifar10:${cifar}`], /config\.data\.path: test_batch\.bin: 100 bytes is not a whole number of 3073-byte CIFAR-10 records/],
      [['train', '--data', idx, '--model', 'cnn', '--batch-size', '4'], /config\.model: the cnn model does not fit mnist's 1×1×1 examples/],
      [['train', '--data', 'mnist'], /config\.data\.name: MNIST is not downloaded yet/],
      [['train', '--train-count', '64', '--batch-size', '128'], /config\.batchSize: batchSize 128 is larger than the 64 training examples/],
      [['compare', '--data', `folder:${join(folder, 'nonexistent')}`, '--seeds', '1,2'], /arms\[0\] \(sgd\)\.config\.data\.path: image folder .* does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, env);
      assert.equal(result.code, 2, `${args.join(' ')} exits 2 (stderr: ${result.stderr})`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /root:x|daemon/, 'no line of the file is shown');
    }
    const list = await runCli(['runs', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).runs, [], 'no run was stored');
  });
});

test('flag values a practitioner gets wrong are named by their flag: negative numbers, missing values, absurd learning rates', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--epochs', '-1'], /Invalid run configuration — epochs: Epochs must be at least 1 \(from --epochs -1\)/],
    [['train', '--lr', '-0.5'], /optimizer\.lr: Learning rate must be greater than 0 \(from --lr -0\.5\)/],
    [['train', '--lr', '1e308'], /optimizer\.lr: Learning rate \(lr\) must be at most 100 .*\(from --lr 1e308\)/],
    [['train', '--rho', '1e9'], /optimizer\.rho: Perturbation radius \(rho\) must be at most 10/],
    [['train', '--batch-size', '-8'], /batchSize: Batch size must be at least 1 \(from --batch-size -8\)/],
    [['train', '--epochs'], /fsam-studio: --epochs needs a value$/m],
    [['train', '--name', '-x'], /--name needs a value; to give one that starts with a dash, write --name=VALUE/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')} exits 2 (stderr: ${result.stderr})`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /ambiguous|argument missing/, 'not Node\'s parser wording');
  }
});

describe('runs resume and a run that has not started', () => {
  const folder = mkdtempSync(join(tmpdir(), 'fsam-cli-runs-'));
  const db = join(folder, 'studio.db');
  const config = parseTrainConfig({ data: { name: 'shapes10', trainCount: 64, testCount: 16, size: 8, channels: 1 }, model: 'mlp', epochs: 1, batchSize: 32, optimizer: { name: 'sgd', lr: 0.05 } });
  let failedId: number;
  let queued: RunInfo;
  before(() => {
    const store = StudioStore.open(db);
    try {
      failedId = store.createRun({ name: 'failed once', config }).id;
      store.setStatus(failedId, 'failed', 'the worker ended');
      queued = store.createRun({ name: 'never started', config });
    } finally {
      store.close();
    }
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('runs resume says what it did, not "null"', async () => {
    const result = await runCli(['runs', 'resume', String(failedId), '--db', db]);
    assert.equal(result.code, 0, result.stderr);
    const [first] = result.stdout.split('\n');
    assert.equal(first, `run ${failedId}: restarted from the beginning (no checkpoint yet)`);
    assert.doesNotMatch(result.stdout, /: null/);
  });

  test('a run that has not started shows no training time, rather than 0', async () => {
    assert.equal(queued.startedAt, null);
    assert.equal(runReport(queued).trainingSeconds, null);
    assert.match(resultsTable([queued]), /\n\s*\d+\s+SGD\s+1\s+queued\s+—\s+—\s+—\s+0\s+—\s+—$/);
    assert.equal(trainingTime(queued), 'not started');
    const shown = await runCli(['runs', 'show', String(queued.id), '--db', db]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^training time: not started$/m);
    const resumed = await runCli(['runs', 'show', String(failedId), '--db', db]);
    assert.match(resumed.stdout, /^training time: \d+\.\d s$/m, 'a run that trained shows its time');
  });
});
