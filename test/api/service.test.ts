import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StudioService } from '../../app/api/service.js';
import type { NewComparison, SeriesName, TrainConfigInput } from '../../app/api/types.js';
import { filesFolderFor } from '../../app/platform/location.js';
import { ConfigError, NotFoundError } from '../../app/validation.js';
import { CACHE_ENV } from '../../app/data/download/cache.js';
import { writeCifar10Set, writeCsv, writeFile, writeIdxSet, writeImageFolder } from '../support/dataFiles.js';

/** A run small enough to train in a second or two: 256 grey 12×12 images, batch 32 → 8 steps per epoch. */
const tinyConfig = {
  data: { name: 'shapes10', trainCount: 256, testCount: 64, size: 12, channels: 1 },
  model: 'mlp',
  epochs: 1,
  batchSize: 32,
  // no optimizer name: each comparison arm supplies it
  optimizer: { lr: 0.05 },
} as unknown as TrainConfigInput;

/** Asserts the promise rejects with `kind` and a message containing every one of `fragments`. */
async function rejectsNaming(promise: Promise<unknown>, kind: typeof ConfigError | typeof NotFoundError, fragments: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof kind, `expected a ${kind.name}, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should name ${fragment}`);
    return true;
  });
}

describe('StudioService: every bad input is refused, naming the field, and stores nothing', () => {
  let folder: string;
  let databasePath: string;
  let service: StudioService;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'fsam-service-test-'));
    databasePath = join(folder, 'studio.db');
    service = StudioService.open({ databasePath, concurrency: 1 });
  });
  after(async () => {
    await service.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('startRun with a bad optimizer field or model', async () => {
    await rejectsNaming(service.startRun({ config: { optimizer: { name: 'sam', lr: 0.1, rho: -1 } } }), ConfigError, ['optimizer.rho']);
    await rejectsNaming(service.startRun({ config: { model: 'nope', optimizer: { name: 'sam', lr: 0.1 } } as unknown as TrainConfigInput }), ConfigError, ['config.model']);
    await rejectsNaming(service.startRun({ config: { optimizer: { name: 'adam' as never, lr: 0.1 } } }), ConfigError, ['optimizer.name']);
    await rejectsNaming(service.startRun({ config: { optimizer: { name: 'sgd', lr: 0.1 }, epochs: 0 } }), ConfigError, ['epochs']);
    await rejectsNaming(service.startRun({ name: '   ', config: { optimizer: { name: 'sgd', lr: 0.1 } } }), ConfigError, ['name']);
    await rejectsNaming(service.startRun(undefined as never), ConfigError, ['request']);
  });

  test('startRun with a data set that reads files but names no path is refused at once, naming data.path', async () => {
    for (const name of ['idx', 'folder', 'csv'] as const) {
      await rejectsNaming(service.startRun({ config: { data: { name }, optimizer: { name: 'sgd', lr: 0.1 } } }), ConfigError, ['config.data.path', `"${name}" data set needs path`]);
    }
    await rejectsNaming(service.createComparison({ name: 'no path', config: { ...tinyConfig, data: { name: 'idx' } }, arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'fsam' } }], seeds: [1] }), ConfigError, ['data.path']);
    const check = await service.checkConfig({ data: { name: 'idx' }, optimizer: { name: 'sgd', lr: 0.1 } });
    assert.ok(!check.ok);
    assert.deepEqual(check.problems.map((p) => p.field), ['data.path'], 'the form shows the problem under the path field');
  });

  test('run ids are checked before they are looked up', async () => {
    await rejectsNaming(service.getRun('abc' as never), ConfigError, ['runId']);
    await rejectsNaming(service.getRun(0), ConfigError, ['runId']);
    await rejectsNaming(service.getRun(1.5), ConfigError, ['runId']);
    await rejectsNaming(service.getRun(999), NotFoundError, ['999']);
    await rejectsNaming(service.stopRun(-3), ConfigError, ['runId']);
    await rejectsNaming(service.deleteRun('1' as never), ConfigError, ['runId']);
    await rejectsNaming(service.getComparison('x' as never), ConfigError, ['comparisonId']);
    await rejectsNaming(service.getComparison(999), NotFoundError, ['999']);
    await rejectsNaming(service.deleteComparison(999, { withRuns: 'yes' as never }), ConfigError, ['options.withRuns']);
    assert.throws(
      () => service.subscribeRun(1, { afterStep: -1 }, () => {}),
      (error: unknown) => error instanceof ConfigError && error.message.includes('options.afterStep'),
    );
  });

  test('metricSeries with an unknown series, too few points, or a missing run', async () => {
    await rejectsNaming(service.metricSeries({ runIds: [1], series: ['nope' as SeriesName], maxPoints: 100 }), ConfigError, ['request.series']);
    await rejectsNaming(service.metricSeries({ runIds: [1], series: ['loss'], maxPoints: 1 }), ConfigError, ['request.maxPoints']);
    await rejectsNaming(service.metricSeries({ runIds: [1], series: ['loss'], maxPoints: 10.5 }), ConfigError, ['request.maxPoints']);
    await rejectsNaming(service.metricSeries({ runIds: [], series: ['loss'], maxPoints: 10 }), ConfigError, ['request.runIds']);
    await rejectsNaming(service.metricSeries({ runIds: [999], series: ['loss'], maxPoints: 10 }), NotFoundError, ['999']);
  });

  test('createComparison with too few arms, repeated labels, a foreign baseline, a bad arm, repeated seeds', async () => {
    const valid: NewComparison = { name: 'bad', config: tinyConfig, arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'fsam' } }], seeds: [1, 2], baseline: 'sam' };

    await rejectsNaming(service.createComparison({ ...valid, arms: [{ optimizer: { name: 'sam' } }] }), ConfigError, ['request.arms']);
    await rejectsNaming(service.createComparison({ ...valid, arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'sam' } }] }), ConfigError, ['request.arms', '"sam"']);
    await rejectsNaming(
      service.createComparison({ ...valid, arms: [{ label: 'x', optimizer: { name: 'sam' } }, { label: 'x', optimizer: { name: 'fsam' } }] }),
      ConfigError,
      ['request.arms', '"x"'],
    );
    await rejectsNaming(service.createComparison({ ...valid, baseline: 'sgd' }), ConfigError, ['request.baseline', '"sgd"']);
    await rejectsNaming(
      service.createComparison({ ...valid, arms: [{ optimizer: { name: 'sam' } }, { label: 'fast fsam', optimizer: { name: 'fsam', lr: -0.1 } }] }),
      ConfigError,
      ['arms[1]', 'fast fsam', 'optimizer.lr'],
    );
    await rejectsNaming(service.createComparison({ ...valid, seeds: [1, 2, 1] }), ConfigError, ['request.seeds']);
    await rejectsNaming(service.createComparison({ ...valid, seeds: [] }), ConfigError, ['request.seeds']);
    await rejectsNaming(service.createComparison({ ...valid, name: '' }), ConfigError, ['request.name']);
    await rejectsNaming(service.createComparison({ ...valid, config: { ...tinyConfig, epochs: -1 } }), ConfigError, ['epochs']);
  });

  test('checkConfig fills defaults for a minimal config and lists problems by field', async () => {
    const ok = await service.checkConfig({ optimizer: { name: 'sam', lr: 0.1 } });
    assert.ok(ok.ok, 'a minimal config is valid');
    assert.equal(ok.config.optimizer.name, 'sam');
    assert.equal(ok.config.optimizer.lr, 0.1);
    assert.equal(ok.config.optimizer.rho, 0.05);
    assert.equal(ok.config.optimizer.momentum, 0.9);
    assert.equal(ok.config.optimizer.base, 'sgd');
    assert.equal(ok.config.model, 'cnn');
    assert.equal(ok.config.epochs, 3);
    assert.equal(ok.config.batchSize, 128);
    assert.equal(ok.config.seed, 1);
    assert.deepEqual(ok.config.data, { name: 'shapes10' });
    assert.deepEqual(ok.config.schedule, { kind: 'cosine' });

    const bad = await service.checkConfig({ optimizer: { name: 'sam', lr: 0.1, rho: -1 } });
    assert.ok(!bad.ok);
    assert.ok(bad.problems.some((p) => p.field === 'optimizer.rho' && p.message.length > 0), JSON.stringify(bad.problems));

    const several = await service.checkConfig({ optimizer: { name: 'sam', lr: -1, rho: -1 }, batchSize: 0 });
    assert.ok(!several.ok);
    assert.deepEqual(several.problems.map((p) => p.field).sort(), ['batchSize', 'optimizer.lr', 'optimizer.rho']);

    const nothing = await service.checkConfig(undefined);
    assert.ok(!nothing.ok);
    assert.equal(nothing.problems[0]!.field, 'config', 'a problem with the whole config names "config"');
  });

  test('info lists models, data sets, presets, the concurrency and the database path', async () => {
    const info = await service.info();
    const models = info.models.map((m) => m.name);
    assert.ok(models.includes('mlp') && models.includes('cnn'), models.join(', '));
    assert.ok(info.models.every((m) => m.description.length > 0));
    assert.deepEqual(
      info.datasets.map((d) => d.name),
      ['shapes10', 'idx', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'folder', 'csv'],
    );
    assert.ok(info.datasets.every((d) => d.description.length > 0));
    const quick = info.presets.find((p) => p.name === 'quick');
    assert.ok(quick, 'the quick preset is listed');
    assert.equal(quick.config.model, 'cnn');
    assert.equal(quick.config.optimizer.rho, 0.02);
    assert.equal(quick.config.optimizer.name, 'fsam');
    assert.deepEqual(info.studyPresets.map((p) => p.name), ['paper-decomposition', 'paper-rho', 'paper-label-noise']);
    const rho = info.studyPresets.find((p) => p.name === 'paper-rho')!;
    assert.deepEqual(rho.study.axis, { parameter: 'rho', values: [0.02, 0.05, 0.1, 0.2, 0.5] }, 'a preset comes at scale 1, as the form starts from it');
    assert.ok(rho.reproduces.length > 0 && rho.description.length > 0);
    assert.equal(info.concurrency, 1);
    assert.equal(info.databasePath, databasePath);
    assert.equal(info.filesFolder, filesFolderFor(databasePath));
    assert.equal(info.defaults.optimizer.name, 'fsam');
    assert.ok(info.backend.name.length > 0);
    assert.equal(info.version, '0.1.0');
  });

  test('nothing was stored by the refused calls', async () => {
    assert.deepEqual(await service.listRuns(), []);
    assert.deepEqual(await service.listComparisons(), []);
    assert.ok(existsSync(databasePath));
  });
});

describe('StudioService end to end: a SAM vs F-SAM comparison trains in workers and is summarised', () => {
  let folder: string;
  let service: StudioService;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'fsam-service-e2e-'));
    service = StudioService.open({ databasePath: join(folder, 'studio.db'), concurrency: 1 });
  });
  after(async () => {
    await service.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('two arms × two seeds: four completed runs, paired differences, a winner, downsampled series', { timeout: 300_000 }, async () => {
    const created = await service.createComparison({
      name: 'tiny',
      config: tinyConfig,
      arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'fsam' } }],
      seeds: [1, 2],
      baseline: 'sam',
    });
    assert.equal(created.comparison.name, 'tiny');
    assert.deepEqual(created.comparison.arms, ['sam', 'fsam']);
    assert.equal(created.comparison.baseline, 'sam');
    assert.deepEqual(created.comparison.seeds, [1, 2]);
    assert.equal(created.runs.length, 4);
    assert.equal(created.results.winner, null, 'no winner before the runs end');
    assert.deepEqual(
      created.runs.map((r) => [r.arm, r.config.seed, r.config.optimizer.name, r.config.optimizer.lr]),
      [
        ['sam', 1, 'sam', 0.05],
        ['fsam', 1, 'fsam', 0.05],
        ['sam', 2, 'sam', 0.05],
        ['fsam', 2, 'fsam', 0.05],
      ],
    );

    const ended = await Promise.all(created.comparison.runIds.map((runId) => service.manager.waitForEnd(runId)));
    for (const run of ended) assert.equal(run.status, 'completed', `run ${run.id} ${run.name}: ${run.message}`);

    const detail = await service.getComparison(created.comparison.id);
    assert.equal(detail.runs.length, 4);
    for (const run of detail.runs) {
      assert.equal(run.status, 'completed');
      assert.equal(run.step, 8);
      assert.equal(run.epochsDone, 1);
      assert.equal(run.stepsPerEpoch, 8);
      assert.equal(run.totalSteps, 8);
      assert.ok(run.finalTestAccuracy !== null && run.finalTestAccuracy >= 0 && run.finalTestAccuracy <= 1);
      assert.equal(run.bestTestAccuracy, run.finalTestAccuracy, 'one epoch: best is final');
      assert.ok(run.backend !== null);
      assert.ok(run.startedAt !== null && run.endedAt !== null && run.endedAt >= run.startedAt);
    }
    assert.deepEqual(detail.comparison.varies, ['optimizer', 'seed']);

    const { results } = detail;
    assert.deepEqual(
      results.arms.map((a) => [a.arm, a.finalTestAccuracy?.count, a.bestTestAccuracy?.count, a.runIds.length]),
      [
        ['sam', 2, 2, 2],
        ['fsam', 2, 2, 2],
      ],
    );
    assert.deepEqual(results.differences.map((d) => d.metric).sort(), ['bestTestAccuracy', 'finalTestAccuracy']);
    for (const difference of results.differences) {
      assert.equal(difference.arm, 'fsam');
      assert.equal(difference.baseline, 'sam');
      assert.equal(difference.pairs, 2);
      assert.ok(difference.low !== null && difference.high !== null, 'two pairs give an interval');
      assert.ok(difference.low <= difference.meanDifference && difference.meanDifference <= difference.high, JSON.stringify(difference));
    }
    // the mean difference is the mean of the seed-by-seed differences of the stored runs
    const accuracy = (arm: string, seed: number) => detail.runs.find((r) => r.arm === arm && r.config.seed === seed)!.finalTestAccuracy!;
    const final = results.differences.find((d) => d.metric === 'finalTestAccuracy')!;
    const expectedMean = (accuracy('fsam', 1) - accuracy('sam', 1) + (accuracy('fsam', 2) - accuracy('sam', 2))) / 2;
    assert.ok(Math.abs(final.meanDifference - expectedMean) < 1e-12);
    const [samMean, fsamMean] = results.arms.map((a) => a.finalTestAccuracy!.mean);
    assert.ok(results.winner === 'sam' || results.winner === 'fsam');
    assert.equal(results.winner, fsamMean! > samMean! ? 'fsam' : 'sam');

    const runId = detail.runs[0]!.id;
    const [loss, testAccuracy, perturbedLoss] = await service.metricSeries({ runIds: [runId], series: ['loss', 'testAccuracy', 'perturbedLoss'], maxPoints: 3 });
    assert.equal(loss!.name, 'loss');
    assert.equal(loss!.runId, runId);
    assert.equal(loss!.totalPoints, 8);
    assert.equal(loss!.values.length, 3);
    assert.equal(loss!.steps.length, 3);
    assert.equal(loss!.elapsedMs.length, 3);
    assert.equal(loss!.steps[0], 1);
    assert.equal(loss!.steps[2], 8);
    assert.ok(loss!.values.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0));
    assert.equal(testAccuracy!.totalPoints, 1);
    assert.deepEqual(testAccuracy!.steps, [8]);
    assert.deepEqual(testAccuracy!.values, [detail.runs[0]!.finalTestAccuracy]);
    assert.equal(perturbedLoss!.totalPoints, 8, 'SAM reports the loss at w + e');
    assert.equal(perturbedLoss!.values.length, 3);

    const runDetail = await service.getRun(runId);
    assert.deepEqual(
      runDetail.transitions.map((t) => t.status),
      ['queued', 'running', 'completed'],
    );
    assert.equal(runDetail.epochs.length, 1);
    assert.equal(runDetail.classNames.length, 10);
    assert.equal(runDetail.epochs[0]!.test.count, 64);
  });
});

describe('StudioService: model descriptions, data set previews, and a noisy augmented run kept in the store', () => {
  let folder: string;
  let service: StudioService;
  const tinyData = { name: 'shapes10', trainCount: 200, testCount: 40, size: 12, channels: 3 };

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'fsam-service-preview-'));
    service = StudioService.open({ databasePath: join(folder, 'studio.db'), concurrency: 1 });
  });
  after(async () => {
    await service.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('describeModel lists layers with output shapes and parameters, for a shape or a data set', async () => {
    const resnet = await service.describeModel({ model: 'resnet18' });
    assert.equal(resnet.parameterCount, 11_173_962);
    assert.deepEqual(resnet.inputShape, [32, 32, 3]);
    assert.deepEqual(resnet.layers.at(-1), { name: 'layer12', type: 'dense', depth: 0, detail: '10 units', outputShape: [10], parameterCount: 5130 });
    const onData = await service.describeModel({ model: 'cnn', data: tinyData });
    assert.deepEqual(onData.inputShape, [12, 12, 3]);
    assert.equal(onData.classes, 10);
    assert.deepEqual(onData.layers[0]!.outputShape, [12, 12, 32]);
    assert.equal((await service.describeModel({ model: 'wrn16-4', inputShape: [32, 32, 3], classes: 100 })).parameterCount, 2_748_890 + 256 * 90 + 90);
    await rejectsNaming(service.describeModel({ model: 'wrn15-4' }), ConfigError, ['request.model', '6n + 4']);
    await rejectsNaming(service.describeModel({ model: 'cnn', inputShape: [0, 4] }), ConfigError, ['request.inputShape']);
  });

  test('previewDataset gives sample PNGs per class and the class counts after label noise', async () => {
    const clean = await service.previewDataset(tinyData, { perClass: 3 });
    assert.equal(clean.classNames.length, 10);
    assert.equal(clean.cleanClassCounts.reduce((a, b) => a + b, 0), 200);
    assert.deepEqual(clean.trainClassCounts, clean.cleanClassCounts);
    assert.equal(clean.testClassCounts.reduce((a, b) => a + b, 0), 40);
    assert.equal(clean.flipped, 0);
    assert.equal(clean.labelNoise, 'none');
    for (const [label, samples] of clean.samples.entries()) {
      assert.equal(samples.length, Math.min(3, clean.cleanClassCounts[label]!));
      for (const sample of samples) {
        assert.equal(sample.trainLabel, label);
        const png = Buffer.from(sample.png.replace(/^data:image\/png;base64,/, ''), 'base64');
        assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
        assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[25]], [12, 12, 2], '12×12 RGB');
      }
    }
    const noisy = await service.previewDataset(tinyData, { labelNoise: { kind: 'symmetric', fraction: 0.5 }, seed: 4 });
    assert.equal(noisy.trainClassCounts.reduce((a, b) => a + b, 0), 200);
    assert.notDeepEqual(noisy.trainClassCounts, noisy.cleanClassCounts);
    assert.equal(noisy.flippedPerClass.reduce((a, b) => a + b, 0), noisy.flipped);
    assert.ok(noisy.flipped > 60 && noisy.flipped <= 100, `${noisy.flipped} flipped`);
    assert.ok(noisy.samples.some((samples, label) => samples.some((s) => s.trainLabel !== label)), 'samples show the label a run trains on');
    assert.match(noisy.labelNoise, /symmetric: 50 %/);
    assert.deepEqual((await service.previewDataset(tinyData, { labelNoise: { kind: 'symmetric', fraction: 0.5 }, seed: 4 })).trainClassCounts, noisy.trainClassCounts, 'same seed, same noise');
    await rejectsNaming(service.previewDataset({ name: 'nope' }), ConfigError, ['data.name']);
    await rejectsNaming(service.previewDataset(tinyData, { labelNoise: { kind: 'symmetric', fraction: 2 } }), ConfigError, ['options.labelNoise.fraction']);
  });

  test('a run with label noise and augmentation keeps them in its config and reports clean train accuracy', async () => {
    const config = { ...tinyConfig, optimizer: { name: 'sgd', lr: 0.05 }, labelNoise: { kind: 'asymmetric', fraction: 0.3 }, augmentation: { crop: true, flip: true } } as TrainConfigInput;
    const run = await service.startRun({ config });
    assert.equal((await service.manager.waitForEnd(run.id)).status, 'completed');
    const detail = await service.getRun(run.id);
    assert.deepEqual(detail.run.config.labelNoise, { kind: 'asymmetric', fraction: 0.3 });
    assert.deepEqual(detail.run.config.augmentation, { crop: true, cropPadding: 4, flip: true, cutout: false, cutoutSize: 16 });
    const [epoch] = detail.epochs;
    assert.equal(typeof epoch!.train.cleanAccuracy, 'number');
    assert.equal(epoch!.test.cleanAccuracy, undefined);
    const [cleanSeries] = await service.metricSeries({ runIds: [run.id], series: ['trainCleanAccuracy'], maxPoints: 10 });
    assert.deepEqual(cleanSeries!.values, [epoch!.train.cleanAccuracy], 'the clean train accuracy is a series too');
  });
});

describe('StudioService: a config its data cannot train is refused before anything is stored, for every data kind', () => {
  let folder: string;
  let service: StudioService;
  const previousCache = process.env[CACHE_ENV];
  const cases: { title: string; config: TrainConfigInput; field: string; message: RegExp }[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'fsam-service-refuse-'));
    process.env[CACHE_ENV] = join(folder, 'empty-cache');
    service = StudioService.open({ databasePath: join(folder, 'studio.db'), concurrency: 1 });
    const at = (...parts: string[]) => join(folder, ...parts);
    const sgd = { name: 'sgd', lr: 0.05 } as const;
    const truncated = writeCifar10Set(at('cifar'), 2);
    writeFile(join(truncated, 'data_batch_4.bin'), new Uint8Array(3073 + 10));
    const add = (title: string, config: Record<string, unknown>, field: string, message: RegExp) =>
      cases.push({ title, config: { optimizer: sgd, epochs: 1, batchSize: 4, ...config } as TrainConfigInput, field, message });
    add('shapes10: a batch larger than the training split', { data: { name: 'shapes10', trainCount: 64, testCount: 16 }, batchSize: 128, model: 'mlp' }, 'batchSize', /batchSize 128 is larger than the 64 training examples/);
    add('shapes10: the exact full gradient of a large set', { data: { name: 'shapes10', trainCount: 70_000 }, model: 'mlp', optimizer: { name: 'sam', lr: 0.05, perturbation: 'fullGradientExact' } }, 'optimizer.perturbation', /over all 70000 training examples/);
    add('idx: a folder that does not exist', { data: { name: 'idx', path: at('nonexistent') } }, 'data.path', /nonexistent does not exist or is not a folder/);
    add('idx: 1×1 images for the CNN', { data: { name: 'idx', path: await writeIdxSet(at('idx-1x1'), 8, 4, 1) }, model: 'cnn' }, 'model', /the cnn model does not fit mnist's 1×1×1 examples/);
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFile(at('text', name), 'hello\n');
    add('mnist at a path of text files', { data: { name: 'mnist', path: at('text') } }, 'data.path', /-ubyte: not an IDX file: .*\(it looks like text\)/);
    add('cifar10: a truncated batch', { data: { name: 'cifar10', path: truncated } }, 'data.path', /data_batch_4\.bin: 3083 bytes is not a whole number of 3073-byte CIFAR-10 records/);
    add('cifar100: not downloaded and no path', { data: { name: 'cifar100' } }, 'data.name', /CIFAR-100 is not downloaded yet/);
    add('csv: a passwd-like file', { data: { name: 'csv', path: writeFile(at('passwd'), 'root:x:0:0:root:/root:/bin/bash\n') }, model: 'mlp' }, 'data.path', /passwd line 1: the header has only one column/);
    add('csv: a label column that is not there', { data: { name: 'csv', path: writeCsv(at('table.csv'), 20), label: 'kind' }, model: 'mlp' }, 'data.label', /no column named "kind"/);
    add('csv: a conv model', { data: { name: 'csv', path: at('table.csv') }, model: 'cnn' }, 'model', /the cnn model needs images/);
    add('folder: a folder that does not exist', { data: { name: 'folder', path: at('nonexistent') } }, 'data.path', /image folder .*nonexistent does not exist/);
    add('folder: one class only', { data: { name: 'folder', path: writeImageFolder(at('one-class'), ['only'], 4) } }, 'data.path', /has only one class subfolder/);
  });
  after(async () => {
    await service.close();
    if (previousCache === undefined) delete process.env[CACHE_ENV];
    else process.env[CACHE_ENV] = previousCache;
    rmSync(folder, { recursive: true, force: true });
  });

  test('checkConfig lists the problem at its field; startRun and createComparison refuse naming it', async () => {
    assert.equal(cases.length, 12);
    for (const { title, config, field, message } of cases) {
      const check = await service.checkConfig(config);
      assert.ok(!check.ok, `${title}: checkConfig refuses`);
      assert.deepEqual(check.problems.map((p) => p.field), [field], `${title}: ${JSON.stringify(check.problems)}`);
      assert.match(check.problems[0]!.message, message, title);
      await rejectsNaming(service.startRun({ config }), ConfigError, [`config.${field}: `]);
      await assert.rejects(service.startRun({ config }), { message }, title);
      await rejectsNaming(service.createComparison({ name: title, config, arms: [{ optimizer: { name: 'sgd' } }, { optimizer: { name: 'sam' } }], seeds: [1, 2] }), ConfigError, [`.config.${field}: `]);
    }
  });

  test('optimizer numbers outside a practitioner\'s range are refused, the setting named in words', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ lr: 1e308 }, 'optimizer.lr', /^Learning rate \(lr\) must be at most 100/],
      [{ lr: 0 }, 'optimizer.lr', /^Learning rate must be greater than 0$/],
      [{ lr: 0.1, lambda: 1 }, 'optimizer.lambda', /^λ \(lambda\) must be less than 1/],
      [{ lr: Number.POSITIVE_INFINITY }, 'optimizer.lr', /^Learning rate \(lr\) must be a number$/],
      [{ lr: 0.1, rho: 1e308 }, 'optimizer.rho', /^Perturbation radius \(rho\) must be at most 10/],
      [{ lr: 0.1, weightDecay: 5 }, 'optimizer.weightDecay', /^Weight decay must be at most 1/],
      [{ lr: 0.1, sigma: 1e9 }, 'optimizer.sigma', /^F-SAM sigma must be at most 10/],
      [{ lr: 0.1, epsilon: 0 }, 'optimizer.epsilon', /^AdamW epsilon must be greater than 0$/],
      [{ lr: 0.1, fullGradientEvery: 0.5 }, 'optimizer.fullGradientEvery', /^fullGradientEvery must be a whole number of steps$/],
    ];
    for (const [optimizer, field, message] of cases) {
      const check = await service.checkConfig({ optimizer: { name: 'fsam', ...optimizer } });
      assert.ok(!check.ok, JSON.stringify(optimizer));
      assert.deepEqual(check.problems.map((p) => p.field), [field], JSON.stringify(check.problems));
      assert.match(check.problems[0]!.message, message);
    }
    const epochs = await service.checkConfig({ optimizer: { name: 'sgd', lr: 0.1 }, epochs: -1 });
    assert.ok(!epochs.ok);
    assert.deepEqual(epochs.problems, [{ field: 'epochs', message: 'Epochs must be at least 1' }]);
  });

  test('a config whose data fits passes the same checks', async () => {
    const idx = await writeIdxSet(join(folder, 'fits'), 8, 4, 8);
    const check = await service.checkConfig({ data: { name: 'idx', path: idx }, model: 'cnn', batchSize: 4, optimizer: { name: 'sgd', lr: 0.05 } });
    assert.ok(check.ok, JSON.stringify(check));
  });

  test('nothing was stored by the refused configs', async () => {
    assert.deepEqual(await service.listRuns(), []);
    assert.deepEqual(await service.listComparisons(), []);
  });
});
