import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { classCounts } from '../../app/data/dataset.js';
import { decodeImage, loadImageFolderDataset, resizeInto } from '../../app/data/imageFolder.js';
import { loadDataset } from '../../app/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));

type Rgba = [number, number, number, number];

function rgbaImage(width: number, height: number, colour: (x: number, y: number) => Rgba): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 4);
  return data;
}

function writePng(path: string, width: number, height: number, colour: (x: number, y: number) => Rgba): void {
  mkdirSync(dirname(path), { recursive: true });
  const png = new PNG({ width, height });
  png.data = rgbaImage(width, height, colour);
  writeFileSync(path, PNG.sync.write(png));
}

function writeJpeg(path: string, width: number, height: number, colour: (x: number, y: number) => Rgba): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, jpeg.encode({ width, height, data: rgbaImage(width, height, colour) }, 95).data);
}

const RED: Rgba = [200, 10, 10, 255];
const BLUE: Rgba = [10, 10, 200, 255];

test('area resizing: quadrants shrink to their values, and a pixel grows into a block', () => {
  const quadrants = rgbaImage(4, 4, (x, y) => (x < 2 ? (y < 2 ? [0, 0, 0, 255] : [100, 100, 100, 255]) : y < 2 ? [40, 40, 40, 255] : [255, 255, 255, 255]));
  const small = new Uint8Array(4);
  resizeInto({ width: 4, height: 4, rgba: quadrants }, 2, 1, small, 0);
  assert.deepEqual(Array.from(small), [0, 40, 100, 255]);
  const stripes = rgbaImage(3, 1, (x) => [x * 90, 0, 0, 255]);
  const averaged = new Uint8Array(3);
  resizeInto({ width: 3, height: 1, rgba: stripes }, 1, 3, averaged, 0);
  assert.deepEqual(Array.from(averaged), [90, 0, 0], 'one output pixel averages all three');
  const big = new Uint8Array(4 * 4 * 3);
  resizeInto({ width: 2, height: 2, rgba: rgbaImage(2, 2, (x, y) => [x * 200, y * 100, 7, 255]) }, 4, 3, big, 0);
  assert.deepEqual(Array.from(big.subarray(0, 3)), [0, 0, 7]);
  assert.deepEqual(Array.from(big.subarray((3 * 4 + 3) * 3, (3 * 4 + 3) * 3 + 3)), [200, 100, 7]);
  const transparent = new Uint8Array(3);
  resizeInto({ width: 1, height: 1, rgba: Uint8Array.from([255, 255, 255, 0]) }, 1, 3, transparent, 0);
  assert.deepEqual(Array.from(transparent), [0, 0, 0], 'transparent pixels are composited over black');
});

test('a folder of class subfolders: PNG and JPEG, resized, a seeded stratified split, other files skipped', async () => {
  const folder = join(root, 'pool');
  for (let i = 0; i < 5; i++) {
    writePng(join(folder, 'red', `r${i}.png`), 8, 6, () => RED);
    writeJpeg(join(folder, 'blue', `b${i}.JPG`), 10, 10, () => BLUE);
  }
  writeFileSync(join(folder, 'red', 'notes.txt'), 'not an image');
  writeFileSync(join(folder, 'blue', '.DS_Store'), 'hidden');
  const dataset = await loadImageFolderDataset(folder, { size: 4, channels: 3, testFraction: 0.2, seed: 2 });
  assert.deepEqual(dataset.classNames, ['blue', 'red']);
  assert.deepEqual(dataset.imageShape, [4, 4, 3]);
  assert.equal(dataset.train.count, 8);
  assert.deepEqual(classCounts(dataset.test, 2), [1, 1]);
  assert.equal(dataset.train.images.length, 8 * 4 * 4 * 3);
  assert.match(dataset.source, /1 non-image files skipped/);
  for (const split of [dataset.train, dataset.test]) {
    for (let i = 0; i < split.count; i++) {
      const expected = split.labels[i] === 1 ? RED : BLUE;
      const pixels = split.images.subarray(i * 48, (i + 1) * 48);
      for (let p = 0; p < 48; p++) assert.ok(Math.abs(pixels[p]! - expected[p % 3]!) <= 3, `example ${i} byte ${p}: ${pixels[p]} vs ${expected[p % 3]}`);
    }
  }
  const grey = await loadDataset({ name: 'folder', path: folder, size: 8, channels: 1, seed: 2, testFraction: 0.2 });
  assert.deepEqual(grey.imageShape, [8, 8, 1]);
  const redIndex = Array.from(grey.train.labels).indexOf(1);
  assert.equal(grey.train.images[redIndex * 64], Math.round(0.299 * 200 + 0.587 * 10 + 0.114 * 10));
  const otherSeed = await loadImageFolderDataset(folder, { size: 4, testFraction: 0.2, seed: 9 });
  assert.equal(otherSeed.test.count, 2);
});

test('train/ and test/ subfolders are used as the split', async () => {
  const folder = join(root, 'split');
  for (let i = 0; i < 3; i++) writePng(join(folder, 'train', 'cat', `${i}.png`), 5, 5, () => RED);
  for (let i = 0; i < 2; i++) writePng(join(folder, 'train', 'dog', `${i}.png`), 5, 5, () => BLUE);
  writePng(join(folder, 'test', 'dog', 'x.png'), 5, 5, () => BLUE);
  const dataset = await loadDataset({ name: 'folder', path: folder, size: 8 });
  assert.deepEqual(dataset.classNames, ['cat', 'dog']);
  assert.equal(dataset.train.count, 5);
  assert.deepEqual(Array.from(dataset.train.labels).sort(), [0, 0, 0, 1, 1]);
  for (let i = 0; i < 5; i++) assert.equal(dataset.train.images[i * 192], dataset.train.labels[i] === 0 ? RED[0] : BLUE[0], 'each image keeps its label');
  assert.deepEqual(Array.from(dataset.test.labels), [1]);
  assert.match(dataset.source, /train\/ and test\/ as given/);
  writePng(join(folder, 'test', 'bird', 'y.png'), 5, 5, () => RED);
  await assert.rejects(loadDataset({ name: 'folder', path: folder }), { message: /test has 1 class folder that train\/ does not have/ });
});

test('corrupt images are refused with the file named; empty classes and bad layouts too', async () => {
  const folder = join(root, 'corrupt');
  for (let i = 0; i < 3; i++) {
    writePng(join(folder, 'a', `${i}.png`), 6, 6, () => RED);
    writeJpeg(join(folder, 'b', `${i}.jpg`), 6, 6, () => BLUE);
  }
  const png = readFileSync(join(folder, 'a', '0.png'));
  writeFileSync(join(folder, 'a', '1.png'), png.subarray(0, png.length - 30));
  await assert.rejects(loadImageFolderDataset(folder, { size: 4 }), { message: /^a\/1\.png: cannot decode the PNG image \(.+\); the file is corrupt or truncated/ });
  writePng(join(folder, 'a', '1.png'), 6, 6, () => RED);

  const jpg = readFileSync(join(folder, 'b', '0.jpg'));
  writeFileSync(join(folder, 'b', '2.jpg'), jpg.subarray(0, Math.floor(jpg.length / 3)));
  await assert.rejects(loadImageFolderDataset(folder, { size: 4 }), { message: /^b\/2\.jpg: cannot decode the JPEG image \(.+\); the file is corrupt or truncated/ });
  writeFileSync(join(folder, 'b', '2.jpg'), 'GIF89a pretending');
  await assert.rejects(loadImageFolderDataset(folder, { size: 4 }), { message: /^b\/2\.jpg: not a PNG or JPEG image \(it looks like a GIF image\)/ });
  rmSync(join(folder, 'b', '2.jpg'));

  mkdirSync(join(folder, 'empty'));
  writeFileSync(join(folder, 'empty', 'readme.md'), 'nothing here');
  await assert.rejects(loadImageFolderDataset(folder, { size: 4 }), { message: /image folder .*corrupt: 1 of its 3 class subfolders holds no \.png, \.jpg or \.jpeg files \(number 3 in name order\)/ });
  await assert.rejects(loadImageFolderDataset(join(folder, 'a'), { size: 4 }), { message: /has no class subfolders; it needs one subfolder per class/ });
  await assert.rejects(loadDataset({ name: 'folder' }), { message: /dataset\.path: the "folder" data set needs path/ });
  assert.throws(() => decodeImage(new Uint8Array(0), 'x.png'), { message: /^x\.png: not a PNG or JPEG image \(the file is empty\)/ });
});
