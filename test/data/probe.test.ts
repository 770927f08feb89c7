/**
 * probeDataset: what a data set will be (classes, example shape, split sizes), found without loading it —
 * the check a run's configuration gets before anything is stored. It must agree with loadDataset on every
 * kind, name the spec's field a problem is about, read only what it needs, and be kept by the service's
 * cache only while the files stay the same.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { encodeIdx } from '../../app/data/idx.js';
import { DatasetFieldError, datasetErrorField, loadDataset, probeDataset, type DatasetSpec } from '../../app/data/index.js';
import { DatasetProbeCache } from '../../app/data/probeCache.js';
import { CACHE_ENV } from '../../app/data/download/cache.js';
import { writeCifar10Set, writeCsv, writeFile, writeIdxSet, writeImageFolder } from '../support/dataFiles.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-probe-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the probe of every kind agrees with what loading gives', async () => {
  writeCsv(join(root, 'pair', 'train.csv'), 30, 3);
  writeCsv(join(root, 'pair', 'test.csv'), 9, 3);
  writeImageFolder(join(root, 'split', 'train'), ['a', 'b', 'c'], 3);
  writeImageFolder(join(root, 'split', 'test'), ['a', 'c'], 2);
  const gz = await writeIdxSet(join(root, 'idx-gz'), 20, 6, 7);
  writeFile(join(gz, 'train-images-idx3-ubyte'), gzipSync(encodeIdx([20, 7, 7], new Uint8Array(20 * 49))));
  const specs: DatasetSpec[] = [
    { name: 'shapes10', trainCount: 40, testCount: 10, size: 12, channels: 1 },
    { name: 'csv', path: writeCsv(join(root, 'one.csv'), 50, 2), testFraction: 0.3, seed: 4 },
    { name: 'csv', path: join(root, 'pair'), trainCount: 12 },
    { name: 'folder', path: writeImageFolder(join(root, 'pool'), ['x', 'y'], 5), size: 8, channels: 1 },
    { name: 'folder', path: join(root, 'split'), size: 10 },
    { name: 'idx', path: await writeIdxSet(join(root, 'idx'), 30, 10, 9), testCount: 5 },
    { name: 'fashion-mnist', path: gz },
    { name: 'cifar10', path: writeCifar10Set(join(root, 'cifar'), 3) },
  ];
  for (const spec of specs) {
    const [outline, dataset] = await Promise.all([probeDataset(spec), loadDataset(spec)]);
    const label = JSON.stringify(spec);
    assert.equal(outline.name, dataset.name, label);
    assert.equal(outline.classCount, dataset.classNames.length, label);
    assert.deepEqual(outline.imageShape, dataset.imageShape, label);
    assert.equal(outline.trainCount, dataset.train.count, label);
    assert.equal(outline.testCount, dataset.test.count, label);
  }
});

test('a probe reads headers, not data: a gzipped IDX file cut after its header passes the probe and fails the load', async () => {
  const folder = await writeIdxSet(join(root, 'cut'), 4, 4);
  const full = encodeIdx([60000, 28, 28], new Uint8Array(60000 * 28 * 28));
  writeFile(join(folder, 'train-images-idx3-ubyte.gz'), gzipSync(full.subarray(0, 16 + 100)));
  rmSync(join(folder, 'train-images-idx3-ubyte'));
  writeFile(join(folder, 'train-labels-idx1-ubyte'), encodeIdx([60000], new Uint8Array(60000)));
  const outline = await probeDataset({ name: 'idx', path: folder });
  assert.equal(outline.trainCount, 60000);
  await assert.rejects(loadDataset({ name: 'idx', path: folder }), { message: /^train-images-idx3-ubyte\.gz: expected 47040000 bytes of pixel data .*truncated/ });
  // a plain file's size is checked against its header
  writeFile(join(folder, 'train-labels-idx1-ubyte'), encodeIdx([60000], new Uint8Array(60000)).subarray(0, 5000));
  await assert.rejects(probeDataset({ name: 'idx', path: folder }), { message: /^train-labels-idx1-ubyte: expected 60000 bytes of label data .*found 4992 — the file is truncated/ });
});

test('a probe problem names the spec field it is about: the files (path), label, testFraction, counts, a set not downloaded', async () => {
  const csv = writeCsv(join(root, 'fields.csv'), 6, 2);
  const cases: [DatasetSpec, string, RegExp][] = [
    [{ name: 'csv', path: join(root, 'none.csv') }, 'path', /none\.csv does not exist/],
    [{ name: 'folder', path: csv }, 'path', /does not exist or is not a folder/],
    [{ name: 'idx', path: root }, 'path', /is missing train-images-idx3-ubyte/],
    [{ name: 'csv', path: csv, label: 'kind' }, 'label', /no column named "kind"/],
    [{ name: 'csv', path: csv, testFraction: 0.01 }, 'testFraction', /leave 6 for training and 0 for testing/],
    [{ name: 'csv', path: csv, trainCount: 100 }, 'trainCount', /asked for 100 examples but the train files .* hold 4/],
    [{ name: 'folder', path: writeImageFolder(join(root, 'tiny'), ['a', 'b'], 1), testFraction: 0.2 }, 'testFraction', /2 images split with testFraction 0\.2 leave 2 for training and 0 for testing/],
  ];
  for (const [spec, field, message] of cases) {
    await assert.rejects(probeDataset(spec), (error: Error) => {
      assert.equal(datasetErrorField(error), field, `${JSON.stringify(spec)}: ${error.message}`);
      assert.match(error.message, message);
      return true;
    });
  }
  const previous = process.env[CACHE_ENV];
  process.env[CACHE_ENV] = join(root, 'empty-cache');
  try {
    await assert.rejects(probeDataset({ name: 'mnist' }), (error: Error) => {
      assert.ok(error instanceof DatasetFieldError && error.field === 'name', String(error));
      assert.match(error.message, /MNIST is not downloaded yet/);
      return true;
    });
  } finally {
    if (previous === undefined) delete process.env[CACHE_ENV];
    else process.env[CACHE_ENV] = previous;
  }
});

test('the probe cache keeps a result while the files stay the same, and probes again once they change', async () => {
  const path = writeCsv(join(root, 'cached.csv'), 20, 2);
  const cache = new DatasetProbeCache(2);
  const spec: DatasetSpec = { name: 'csv', path };
  const first = cache.probe(spec);
  assert.equal(cache.probe(spec), first, 'an unchanged file: the same probe');
  assert.equal((await first).trainCount + (await first).testCount, 20);

  writeCsv(path, 40, 2);
  utimesSync(path, new Date(2001, 1, 1), new Date(2001, 1, 1));
  const second = cache.probe(spec);
  assert.notEqual(second, first, 'a rewritten file is probed again');
  assert.equal((await second).trainCount + (await second).testCount, 40);

  // a failed probe is kept too, until the file changes
  writeFile(path, 'only\n1\n');
  const failed = cache.probe(spec);
  await assert.rejects(failed, /the header has only one column/);
  assert.equal(cache.probe(spec), failed);
  writeCsv(path, 10, 2);
  utimesSync(path, new Date(2002, 1, 1), new Date(2002, 1, 1));
  assert.equal((await cache.probe(spec)).trainCount + (await cache.probe(spec)).testCount, 10);

  // a folder: adding an image to a class folder changes its time, and so the fingerprint
  const folder = writeImageFolder(join(root, 'grows'), ['a', 'b'], 5);
  const folderSpec: DatasetSpec = { name: 'folder', path: folder, size: 8 };
  const before = await cache.probe(folderSpec);
  writeImageFolder(folder, ['a', 'b'], 10);
  utimesSync(join(folder, 'a'), new Date(2003, 1, 1), new Date(2003, 1, 1));
  const grown = await cache.probe(folderSpec);
  assert.equal(before.trainCount + before.testCount, 10);
  assert.equal(grown.trainCount + grown.testCount, 20);
});
