import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CIFAR100_CLASS_NAMES, CIFAR10_CLASS_NAMES, encodeCifarBatch, loadCifarDataset } from '../../app/data/cifar.js';
import { loadDataset } from '../../app/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-cifar-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** NHWC images whose every byte encodes (example, pixel, channel), so a wrong transpose cannot pass. */
function images(count: number, first: number): Uint8Array {
  const out = new Uint8Array(count * 3072);
  for (let i = 0; i < count; i++) for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) out[(i * 1024 + p) * 3 + c] = (first + i + p * 7 + c * 85) & 255;
  return out;
}

function writeCifar10(folder: string, perBatch: number): void {
  mkdirSync(folder, { recursive: true });
  for (let b = 1; b <= 5; b++) {
    const labels = Array.from({ length: perBatch }, (_, i) => (b + i) % 10);
    writeFileSync(join(folder, `data_batch_${b}.bin`), encodeCifarBatch('cifar10', images(perBatch, b * 100), labels));
  }
  writeFileSync(join(folder, 'test_batch.bin'), encodeCifarBatch('cifar10', images(3, 7), [9, 0, 5]));
}

test('CIFAR-10: five training batches and the test batch, planes transposed to NHWC, labels kept', async () => {
  const folder = join(root, 'c10', 'cifar-10-batches-bin');
  writeCifar10(folder, 4);
  // the parent folder (where the archive was unpacked) works as well as the batch folder itself
  const dataset = await loadCifarDataset(join(root, 'c10'), 'cifar10');
  assert.equal(dataset.train.count, 20);
  assert.equal(dataset.test.count, 3);
  assert.deepEqual(dataset.imageShape, [32, 32, 3]);
  assert.deepEqual(dataset.classNames, CIFAR10_CLASS_NAMES);
  assert.match(dataset.source, /built-in class names/);
  const expectedTrain = new Uint8Array(20 * 3072);
  for (let b = 1; b <= 5; b++) expectedTrain.set(images(4, b * 100), (b - 1) * 4 * 3072);
  assert.deepEqual(dataset.train.images, expectedTrain);
  assert.deepEqual(Array.from(dataset.train.labels.subarray(0, 8)), [1, 2, 3, 4, 2, 3, 4, 5]);
  assert.deepEqual(dataset.test.images, images(3, 7));
  assert.deepEqual(Array.from(dataset.test.labels), [9, 0, 5]);

  writeFileSync(join(folder, 'batches.meta.txt'), `${CIFAR10_CLASS_NAMES.map((n) => n.toUpperCase()).join('\n')}\n\n`);
  const named = await loadDataset({ name: 'cifar10', path: folder, trainCount: 6 });
  assert.equal(named.classNames[0], 'AIRPLANE');
  assert.equal(named.train.count, 6);
  writeFileSync(join(folder, 'batches.meta.txt'), 'cat\ndog\n');
  await assert.rejects(loadCifarDataset(folder, 'cifar10'), { message: /^batches\.meta\.txt: lists 2 class names but CIFAR-10 has 10/ });
});

test('a CIFAR record is the label, then the red, green and blue planes', async () => {
  const folder = join(root, 'planes');
  writeCifar10(folder, 1);
  // written by hand, not by encodeCifarBatch: label 6, red plane 10, green plane 20, blue plane 30 (pixel 5 of blue: 99)
  const record = new Uint8Array(3073);
  record[0] = 6;
  record.fill(10, 1, 1025);
  record.fill(20, 1025, 2049);
  record.fill(30, 2049, 3073);
  record[2049 + 5] = 99;
  writeFileSync(join(folder, 'test_batch.bin'), record);
  const dataset = await loadCifarDataset(folder, 'cifar10');
  assert.deepEqual(Array.from(dataset.test.images.subarray(0, 6)), [10, 20, 30, 10, 20, 30]);
  assert.deepEqual(Array.from(dataset.test.images.subarray(15, 18)), [10, 20, 99]);
  assert.deepEqual(Array.from(dataset.test.labels), [6]);
});

test('CIFAR-100: two label bytes, the fine one is trained on; fine_label_names.txt or the built-in names', async () => {
  assert.equal(CIFAR100_CLASS_NAMES.length, 100);
  assert.equal(new Set(CIFAR100_CLASS_NAMES).size, 100);
  assert.equal(CIFAR100_CLASS_NAMES[99], 'worm');
  const folder = join(root, 'c100', 'cifar-100-binary');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'train.bin'), encodeCifarBatch('cifar100', images(5, 1), [0, 99, 42, 7, 58], [0, 19, 3, 4, 5]));
  writeFileSync(join(folder, 'test.bin'), encodeCifarBatch('cifar100', images(2, 2), [98, 1], [2, 2]));
  const dataset = await loadDataset({ name: 'cifar100', path: join(root, 'c100') });
  assert.deepEqual(Array.from(dataset.train.labels), [0, 99, 42, 7, 58]);
  assert.deepEqual(dataset.train.images, images(5, 1));
  assert.equal(dataset.classNames.length, 100);
  assert.equal(dataset.classNames[42], CIFAR100_CLASS_NAMES[42]);
  writeFileSync(join(folder, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `class${i}`).join('\n'));
  assert.equal((await loadCifarDataset(folder, 'cifar100')).classNames[42], 'class42');
});

test('corrupt CIFAR files are refused, naming the file and what is wrong', async () => {
  const folder = join(root, 'bad', 'cifar-10-batches-bin');
  writeCifar10(folder, 3);
  const batch = join(folder, 'data_batch_3.bin');
  truncateSync(batch, statSync(batch).size - 1000);
  await assert.rejects(loadCifarDataset(folder, 'cifar10'), {
    message: /^data_batch_3\.bin: 8219 bytes is not a whole number of 3073-byte CIFAR-10 records \(2 records and 2073 bytes left over\) — the file is truncated/,
  });
  writeFileSync(batch, encodeCifarBatch('cifar10', images(2, 0), [3, 11]));
  await assert.rejects(loadCifarDataset(folder, 'cifar10'), { message: /^data_batch_3\.bin: record 1 has a label out of range; CIFAR-10 labels are 0\.\.9 — the file is corrupt/ });
  rmSync(batch);
  await assert.rejects(loadCifarDataset(folder, 'cifar10'), { message: /CIFAR-10 folder .* is missing data_batch_3\.bin; it needs data_batch_1\.bin, .*fsam-studio data get cifar10/ });

  // a CIFAR-10 batch read as CIFAR-100 (1 label byte instead of 2) does not fit the record size
  const wrong = join(root, 'wrong');
  mkdirSync(wrong);
  writeFileSync(join(wrong, 'train.bin'), encodeCifarBatch('cifar10', images(4, 0), [1, 2, 3, 4]));
  writeFileSync(join(wrong, 'test.bin'), encodeCifarBatch('cifar100', images(1, 0), [150], [1]));
  await assert.rejects(loadCifarDataset(wrong, 'cifar100'), { message: /^train\.bin: 12292 bytes is not a whole number of 3074-byte CIFAR-100 records/ });
  writeFileSync(join(wrong, 'train.bin'), encodeCifarBatch('cifar100', images(1, 0), [1], [25]));
  await assert.rejects(loadCifarDataset(wrong, 'cifar100'), { message: /^train\.bin: record 0 has a coarse label out of range; CIFAR-100 coarse labels are 0\.\.19/ });
  writeFileSync(join(wrong, 'train.bin'), encodeCifarBatch('cifar100', images(1, 0), [1], [2]));
  await assert.rejects(loadCifarDataset(wrong, 'cifar100'), { message: /^test\.bin: record 0 has a fine label out of range; CIFAR-100 fine labels are 0\.\.99/ });
  writeFileSync(join(wrong, 'test.bin'), new Uint8Array(0));
  await assert.rejects(loadCifarDataset(wrong, 'cifar100'), { message: /^test\.bin: the file is empty/ });
});

test('cifar10 without a path reads the download cache, or says how to download it', async () => {
  const cache = join(root, 'cache');
  const previous = process.env.FSAM_DATA_CACHE;
  process.env.FSAM_DATA_CACHE = cache;
  try {
    await assert.rejects(loadDataset({ name: 'cifar10' }), { message: /^CIFAR-10 is not downloaded yet \(looked in .*cache\/cifar10\); run `fsam-studio data get cifar10`/ });
    writeCifar10(join(cache, 'cifar10', 'cifar-10-batches-bin'), 2);
    // files without the completion marker are a half-finished download: not used
    await assert.rejects(loadDataset({ name: 'cifar10' }), { message: /is not downloaded yet/ });
    writeFileSync(join(cache, 'cifar10', 'complete.json'), JSON.stringify({ name: 'cifar10', files: [], downloadedAt: 1, source: 'test' }));
    const dataset = await loadDataset({ name: 'cifar10' });
    assert.equal(dataset.train.count, 10);
  } finally {
    if (previous === undefined) delete process.env.FSAM_DATA_CACHE;
    else process.env.FSAM_DATA_CACHE = previous;
  }
});
