import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeIdxFile } from '../../app/data/idx.js';
import { loadDataset, parseDatasetSpec } from '../../app/data/index.js';
import type { DatasetSpec } from '../../app/data/index.js';
import { parseTrainConfig } from '../../app/training/config.js';
import { ConfigError } from '../../app/validation.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-dataset-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('loadDataset generates shapes10 with the requested counts', async () => {
  const dataset = await loadDataset({ name: 'shapes10', seed: 4, trainCount: 50, testCount: 20 });
  assert.equal(dataset.name, 'shapes10');
  assert.equal(dataset.train.count, 50);
  assert.equal(dataset.test.count, 20);
  assert.deepEqual(dataset.imageShape, [32, 32, 3]);
  const grey = await loadDataset({ name: 'shapes10', trainCount: 10, testCount: 10, size: 16, channels: 1 });
  assert.deepEqual(grey.imageShape, [16, 16, 1]);
  assert.equal(grey.train.images.length, 10 * 16 * 16);
});

test('loadDataset reads an IDX folder and can use only the first examples', async () => {
  const folder = join(root, 'fashion');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(folder);
  const pixels = (count: number) => Uint8Array.from({ length: count * 784 }, (_, i) => i & 255);
  const labels = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 10);
  await writeIdxFile(join(folder, 'train-images-idx3-ubyte.gz'), [40, 28, 28], pixels(40), { gzip: true });
  await writeIdxFile(join(folder, 'train-labels-idx1-ubyte.gz'), [40], labels(40), { gzip: true });
  await writeIdxFile(join(folder, 't10k-images-idx3-ubyte'), [15, 28, 28], pixels(15));
  await writeIdxFile(join(folder, 't10k-labels-idx1-ubyte'), [15], labels(15));
  const all = await loadDataset({ name: 'idx', path: folder });
  assert.equal(all.train.count, 40);
  assert.equal(all.classNames[0], 'T-shirt/top');
  const some = await loadDataset({ name: 'idx', path: folder, trainCount: 25, testCount: 15 });
  assert.equal(some.train.count, 25);
  assert.equal(some.train.images.length, 25 * 784);
  assert.deepEqual(Array.from(some.train.labels), Array.from(labels(25)));
  assert.match(some.source, /first 25 train \/ 15 test/);
  await assert.rejects(loadDataset({ name: 'idx', path: folder, testCount: 16 }), {
    message: /^dataset\.testCount: asked for 16 examples but the test files .* hold 15/,
  });
});

test('bad specs are rejected with the field named and what to do', async () => {
  const cases: [unknown, RegExp][] = [
    [{ name: 'imagenet' }, /dataset\.name: name must be one of "shapes10", "idx", "mnist", "fashion-mnist", "cifar10", "cifar100", "folder", "csv"/],
    [{ name: 'idx' }, /dataset\.path: the "idx" data set needs path, the folder holding train-images-idx3-ubyte/],
    [{ name: 'shapes10', trainCount: 0 }, /dataset\.trainCount: trainCount must be at least 1/],
    [{ name: 'shapes10', trainCount: 2.5 }, /dataset\.trainCount: trainCount must be a whole number/],
    [{ name: 'shapes10', seed: 'one' }, /dataset\.seed: seed must be a number/],
    [{ name: 'shapes10', channels: 2 }, /dataset\.channels: channels must be 1 \(grey\) or 3 \(colour\)/],
    [{ name: 'shapes10', size: 4, testCount: -1 }, /dataset\.testCount: .*; dataset\.size: size must be at least 8 pixels|dataset\.size: .*dataset\.testCount/],
    [null, /^Invalid data set choice — dataset: /],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parseDatasetSpec(spec), { message }, JSON.stringify(spec));
    await assert.rejects(loadDataset(spec as DatasetSpec), { message });
  }
});

test('a run config naming a data set that reads files, without its path, is refused by the config schema', () => {
  for (const name of ['idx', 'folder', 'csv']) {
    assert.throws(() => parseTrainConfig({ data: { name }, model: 'mlp', optimizer: { name: 'sgd', lr: 0.1 } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
      assert.match(error.message, new RegExp(`^Invalid run configuration — data\\.path: the "${name}" data set needs path, `));
      return true;
    });
  }
  // the downloadable sets fall back to the download cache, and a given path is enough
  for (const data of [{ name: 'mnist' }, { name: 'cifar10' }, { name: 'idx', path: root }]) {
    assert.equal(parseTrainConfig({ data, optimizer: { name: 'sgd', lr: 0.1 } }).data.name, data.name);
  }
});

test('an IDX folder that does not exist is reported with its path', async () => {
  await assert.rejects(loadDataset({ name: 'idx', path: join(root, 'missing') }), { message: /missing does not exist or is not a folder/ });
});
