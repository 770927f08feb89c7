import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeIdx, loadIdxDataset, readIdxFile, writeIdxFile } from '../../app/data/idx.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-idx-'));
after(() => rmSync(root, { recursive: true, force: true }));

let folderCounter = 0;
function freshFolder(name = 'set'): string {
  const folder = join(root, `${name}-${folderCounter++}`);
  mkdirSync(folder);
  return folder;
}

function images(count: number, height = 28, width = 28): Uint8Array {
  const data = new Uint8Array(count * height * width);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 255;
  return data;
}

function labels(count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10);
}

/** Writes the four standard files; `gzip` chooses .gz for all of them. */
async function writeSet(folder: string, train: number, testCount: number, gzip: boolean): Promise<void> {
  const suffix = gzip ? '.gz' : '';
  await writeIdxFile(join(folder, `train-images-idx3-ubyte${suffix}`), [train, 28, 28], images(train), { gzip });
  await writeIdxFile(join(folder, `train-labels-idx1-ubyte${suffix}`), [train], labels(train), { gzip });
  await writeIdxFile(join(folder, `t10k-images-idx3-ubyte${suffix}`), [testCount, 28, 28], images(testCount), { gzip });
  await writeIdxFile(join(folder, `t10k-labels-idx1-ubyte${suffix}`), [testCount], labels(testCount), { gzip });
}

for (const gzip of [false, true]) {
  test(`writeIdxFile/readIdxFile round trip (${gzip ? 'gzipped' : 'plain'})`, async () => {
    const folder = freshFolder();
    const path = join(folder, 'array.idx');
    const data = images(5, 3, 4);
    await writeIdxFile(path, [5, 3, 4], data, { gzip });
    const raw = readFileSync(path);
    assert.equal(raw[0] === 0x1f && raw[1] === 0x8b, gzip, 'gzip magic exactly when asked for');
    const read = await readIdxFile(path);
    assert.deepEqual(read.dims, [5, 3, 4]);
    assert.deepEqual(Array.from(read.data), Array.from(data));
  });
}

test('gzip is detected by content, not by the file name', async () => {
  const folder = freshFolder();
  const gzippedWithoutSuffix = join(folder, 'labels-no-suffix');
  writeFileSync(gzippedWithoutSuffix, gzipSync(encodeIdx([3], Uint8Array.from([1, 2, 3]))));
  assert.deepEqual(Array.from((await readIdxFile(gzippedWithoutSuffix)).data), [1, 2, 3]);
  const plainWithGzSuffix = join(folder, 'labels.gz');
  writeFileSync(plainWithGzSuffix, encodeIdx([2], Uint8Array.from([9, 8])));
  assert.deepEqual(Array.from((await readIdxFile(plainWithGzSuffix)).data), [9, 8]);
});

test('a truncated file is an error naming the file and the expected and found byte counts', async () => {
  const folder = freshFolder();
  const full = encodeIdx([60000, 28, 28], new Uint8Array(60000 * 28 * 28));
  const path = join(folder, 'train-images-idx3-ubyte.gz');
  writeFileSync(path, gzipSync(full.subarray(0, 16 + 1000)));
  await assert.rejects(readIdxFile(path), {
    message: /^train-images-idx3-ubyte\.gz: expected 47040000 bytes of pixel data after the header .*found 1000 .*truncated/,
  });
  const labelsPath = join(folder, 'train-labels-idx1-ubyte');
  writeFileSync(labelsPath, Buffer.concat([encodeIdx([4], Uint8Array.from([1, 2, 3, 4])), Buffer.from([0])]));
  await assert.rejects(readIdxFile(labelsPath), { message: /^train-labels-idx1-ubyte: expected 4 bytes of label data after the header.*found 5/ });
  const headerOnly = join(folder, 'short-header');
  writeFileSync(headerOnly, Buffer.from([0, 0, 8, 3, 0, 0]));
  await assert.rejects(readIdxFile(headerOnly), { message: /^short-header: the IDX header declares 3 dimensions/ });
});

test('a damaged gzip stream is an error naming the file', async () => {
  const folder = freshFolder();
  const path = join(folder, 't10k-images-idx3-ubyte.gz');
  const zipped = gzipSync(encodeIdx([10, 28, 28], images(10)));
  writeFileSync(path, zipped.subarray(0, zipped.length >> 1));
  await assert.rejects(readIdxFile(path), { message: /^t10k-images-idx3-ubyte\.gz: the file is gzip-compressed but cannot be decompressed/ });
});

test('wrong magic or an unsupported data type is an error naming the file', async () => {
  const folder = freshFolder();
  const png = join(folder, 'not-idx.bin');
  writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
  await assert.rejects(readIdxFile(png), { message: /^not-idx\.bin: not an IDX file: it does not start with the IDX signature 00 00 08 .*\(it looks like a PNG image\)/ });
  const floats = join(folder, 'floats.idx');
  writeFileSync(floats, Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]));
  await assert.rejects(readIdxFile(floats), { message: /^floats\.idx: IDX data type 0x0d \(float32\) is not supported/ });
  const tiny = join(folder, 'tiny');
  writeFileSync(tiny, Buffer.from([0, 0]));
  await assert.rejects(readIdxFile(tiny), { message: /^tiny: not an IDX file/ });
});

for (const gzip of [false, true]) {
  test(`loadIdxDataset reads a complete folder (${gzip ? 'gzipped' : 'plain'} files)`, async () => {
    const folder = freshFolder('digits');
    await writeSet(folder, 30, 20, gzip);
    const dataset = await loadIdxDataset(folder);
    assert.equal(dataset.name, 'mnist');
    assert.deepEqual(dataset.imageShape, [28, 28, 1]);
    assert.deepEqual(dataset.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(dataset.train.count, 30);
    assert.equal(dataset.test.count, 20);
    assert.deepEqual(Array.from(dataset.train.images), Array.from(images(30)));
    assert.deepEqual(Array.from(dataset.test.labels), Array.from(labels(20)));
    // each array owns its buffer, so it can be transferred to a worker thread
    assert.equal(dataset.train.images.byteOffset, 0);
    assert.equal(dataset.train.images.buffer.byteLength, 30 * 28 * 28);
    assert.match(dataset.source, /IDX files in /);
  });
}

test('Fashion-MNIST class names come from the folder name or the options', async () => {
  const folder = freshFolder('fashion-mnist');
  await writeSet(folder, 10, 10, true);
  const byFolder = await loadIdxDataset(folder);
  assert.equal(byFolder.name, 'fashion-mnist');
  assert.equal(byFolder.classNames[0], 'T-shirt/top');
  assert.equal(byFolder.classNames[9], 'Ankle boot');
  const plain = freshFolder('plain');
  await writeSet(plain, 10, 10, false);
  assert.equal((await loadIdxDataset(plain, { fashion: true })).classNames[8], 'Bag');
  assert.equal((await loadIdxDataset(plain, { name: 'my-fashion-copy' })).classNames[1], 'Trouser');
  assert.equal((await loadIdxDataset(folder, { fashion: false })).classNames[1], '1');
});

test('a folder with missing files lists every missing file', async () => {
  const folder = freshFolder();
  await writeIdxFile(join(folder, 'train-images-idx3-ubyte.gz'), [2, 28, 28], images(2), { gzip: true });
  await writeIdxFile(join(folder, 't10k-labels-idx1-ubyte'), [2], labels(2));
  await assert.rejects(loadIdxDataset(folder), (error: Error) => {
    assert.match(error.message, /is missing train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\]\./);
    assert.doesNotMatch(error.message, /missing[^.]*train-images/);
    return true;
  });
  await assert.rejects(loadIdxDataset(join(root, 'no-such-folder')), { message: /no-such-folder does not exist or is not a folder/ });
});

test('mismatched image and label counts are an error naming both files', async () => {
  const folder = freshFolder();
  await writeSet(folder, 12, 5, false);
  await writeIdxFile(join(folder, 'train-labels-idx1-ubyte'), [11], labels(11));
  await assert.rejects(loadIdxDataset(folder), {
    message: /^train-labels-idx1-ubyte: has 11 labels but train-images-idx3-ubyte has 12 images/,
  });
});

test('a label out of range is an error naming the file and the position', async () => {
  const folder = freshFolder();
  await writeSet(folder, 12, 5, true);
  const bad = labels(5);
  bad[3] = 10;
  await writeIdxFile(join(folder, 't10k-labels-idx1-ubyte.gz'), [5], bad, { gzip: true });
  await assert.rejects(loadIdxDataset(folder), { message: /^t10k-labels-idx1-ubyte\.gz: the label at index 3 is out of range; labels must be 0\.\.9/ });
});

test('image arrays of the wrong rank and test images of another size are rejected', async () => {
  const folder = freshFolder();
  await writeSet(folder, 4, 4, false);
  await writeIdxFile(join(folder, 't10k-images-idx3-ubyte'), [4, 14, 14], images(4, 14, 14));
  await assert.rejects(loadIdxDataset(folder), { message: /^t10k-images-idx3-ubyte: test images are 14×14 but the training images .* are 28×28/ });
  await writeIdxFile(join(folder, 't10k-images-idx3-ubyte'), [4 * 28 * 28], images(4));
  await assert.rejects(loadIdxDataset(folder), { message: /^t10k-images-idx3-ubyte: expected a 3-dimensional image array/ });
});

test('writeIdxFile refuses data that does not match its dimensions', async () => {
  await assert.rejects(writeIdxFile(join(root, 'x'), [2, 2], new Uint8Array(3)), /need 4 bytes of data, got 3/);
});
