import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BUILTIN_CLASS_NAMES, BUILTIN_DATASET_NAME, describeBuiltinDataset, generateBuiltinDataset } from '../../app/data/builtin.js';
import { classCounts } from '../../app/data/dataset.js';
import type { DataSplit, ImageDataset } from '../../app/data/dataset.js';

function digest(split: DataSplit): string {
  return createHash('sha256').update(split.images).update(split.labels).digest('hex');
}

// The default set, generated once and shared by the tests below.
const started = performance.now();
const defaults = generateBuiltinDataset();
const defaultMilliseconds = performance.now() - started;

test('generation time of the default set (printed, not asserted)', () => {
  const total = defaults.train.count + defaults.test.count;
  console.log(`shapes10: generated ${total} images of 32×32×3 in ${defaultMilliseconds.toFixed(0)} ms`);
});

test('the default set has the documented shape, counts, names and label range', () => {
  assert.equal(defaults.name, BUILTIN_DATASET_NAME);
  assert.equal(defaults.name, 'shapes10');
  assert.deepEqual(defaults.imageShape, [32, 32, 3]);
  assert.equal(defaults.classNames.length, 10);
  assert.deepEqual(defaults.classNames, [...BUILTIN_CLASS_NAMES]);
  assert.equal(defaults.train.count, 10000);
  assert.equal(defaults.test.count, 2000);
  for (const split of [defaults.train, defaults.test]) {
    assert.ok(split.images instanceof Uint8Array);
    assert.equal(split.images.length, split.count * 32 * 32 * 3);
    assert.equal(split.labels.length, split.count);
    assert.ok(split.labels.every((label) => label < 10));
  }
  assert.match(defaults.source, /shapes10, seed 1/);
  const description = describeBuiltinDataset();
  assert.deepEqual(description.imageShape, defaults.imageShape);
  assert.deepEqual(description.classNames, defaults.classNames);
  assert.equal(description.trainCount, 10000);
  assert.ok(description.summary.length > 40);
});

test('classes are balanced and interleaved, not in runs', () => {
  assert.deepEqual(classCounts(defaults.train, 10), new Array(10).fill(1000));
  assert.deepEqual(classCounts(defaults.test, 10), new Array(10).fill(200));
  const odd = generateBuiltinDataset({ trainCount: 1234, testCount: 7 });
  const counts = classCounts(odd.train, 10);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(',')}`);
  let repeats = 0;
  for (let i = 1; i < defaults.train.count; i++) if (defaults.train.labels[i] === defaults.train.labels[i - 1]) repeats++;
  assert.ok(repeats < 500, `${repeats} adjacent repeats`);
  const firstBlock = Array.from(defaults.train.labels.subarray(0, 10));
  assert.notDeepEqual(firstBlock, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('the same seed gives identical bytes; another seed gives other images', () => {
  const options = { seed: 7, trainCount: 300, testCount: 100 };
  const first = generateBuiltinDataset(options);
  const second = generateBuiltinDataset(options);
  assert.equal(digest(first.train), digest(second.train));
  assert.equal(digest(first.test), digest(second.test));
  const other = generateBuiltinDataset({ ...options, seed: 8 });
  assert.notEqual(digest(other.train), digest(first.train));
  assert.notEqual(digest(other.test), digest(first.test));
  // differ image by image, not just in order
  let identical = 0;
  const size = 32 * 32 * 3;
  for (let i = 0; i < 100; i++) {
    const a = first.train.images.subarray(i * size, (i + 1) * size);
    const b = other.train.images.subarray(i * size, (i + 1) * size);
    if (Buffer.compare(a, b) === 0) identical++;
  }
  assert.equal(identical, 0);
});

test('the bytes are pinned: the same seed gives the same images on every machine and every version', () => {
  // If this fails after a deliberate change to the generator or to engine/random.ts, every stored shapes10
  // run now refers to different data: update the digests only on purpose.
  const pinned: [Parameters<typeof generateBuiltinDataset>[0], string][] = [
    [{ seed: 1, trainCount: 20, testCount: 10 }, '3946df462ebbdf94f77e0facae01d6898ae77adbbb00d48e2cd81f8e1f4d8671'],
    [{ seed: 2, trainCount: 10, testCount: 10, size: 24, channels: 1 }, 'b602c5ec49325d26d995b704adb0138e4966d85cc3ca66ba80ed81151cf5d98a'],
  ];
  for (const [options, expected] of pinned) {
    const dataset = generateBuiltinDataset(options);
    const hash = createHash('sha256').update(dataset.train.images).update(dataset.train.labels).update(dataset.test.images).update(dataset.test.labels);
    assert.equal(hash.digest('hex'), expected, JSON.stringify(options));
  }
});

test('a smaller count is a prefix of a larger one, and the test split does not depend on trainCount', () => {
  const small = generateBuiltinDataset({ seed: 3, trainCount: 55, testCount: 40 });
  const large = generateBuiltinDataset({ seed: 3, trainCount: 200, testCount: 40 });
  assert.deepEqual(Buffer.from(small.train.images), Buffer.from(large.train.images.subarray(0, small.train.images.length)));
  assert.deepEqual(Array.from(small.train.labels), Array.from(large.train.labels.subarray(0, 55)));
  assert.equal(digest(small.test), digest(large.test));
});

test('train and test come from independent streams: no test image appears in the training split', () => {
  const size = 32 * 32 * 3;
  const seen = new Set<string>();
  for (let i = 0; i < defaults.train.count; i++) {
    seen.add(createHash('sha1').update(defaults.train.images.subarray(i * size, (i + 1) * size)).digest('hex'));
  }
  assert.equal(seen.size, defaults.train.count, 'training images are all distinct');
  for (let i = 0; i < defaults.test.count; i++) {
    const hash = createHash('sha1').update(defaults.test.images.subarray(i * size, (i + 1) * size)).digest('hex');
    assert.ok(!seen.has(hash), `test image ${i} also occurs in the training split`);
  }
});

test('pixels use the whole range and images are not blank', () => {
  const histogram = new Array<number>(256).fill(0);
  for (const value of defaults.test.images) histogram[value]! += 1;
  assert.ok(histogram[0]! > 0 && histogram[255]! > 0, 'both ends of the range occur');
  const size = 32 * 32 * 3;
  for (let i = 0; i < defaults.test.count; i++) {
    const image = defaults.test.images.subarray(i * size, (i + 1) * size);
    let min = 255;
    let max = 0;
    for (const value of image) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    assert.ok(max - min >= 40, `test image ${i} has contrast ${max - min}`);
  }
});

test('other sizes and grey images', () => {
  const grey = generateBuiltinDataset({ size: 20, channels: 1, trainCount: 30, testCount: 10 });
  assert.deepEqual(grey.imageShape, [20, 20, 1]);
  assert.equal(grey.train.images.length, 30 * 20 * 20);
  const big = generateBuiltinDataset({ size: 64, trainCount: 10, testCount: 10 });
  assert.equal(big.test.images.length, 10 * 64 * 64 * 3);
  const empty = generateBuiltinDataset({ trainCount: 0, testCount: 0 });
  assert.equal(empty.train.count, 0);
});

test('bad options are rejected with the field named', () => {
  assert.throws(() => generateBuiltinDataset({ size: 4 }), /size must be a whole number of pixels from 8 to 256, got 4/);
  assert.throws(() => generateBuiltinDataset({ channels: 2 as 1 }), /channels must be 1 \(grey\) or 3 \(colour\), got 2/);
  assert.throws(() => generateBuiltinDataset({ trainCount: -1 }), /trainCount must be a whole number/);
  assert.throws(() => generateBuiltinDataset({ testCount: 1.5 }), /testCount must be a whole number/);
  assert.throws(() => generateBuiltinDataset({ seed: Number.NaN }), /seed must be an integer/);
});

/**
 * Nearest-class-mean on a feature vector, trained on `train`, scored on `test`.
 * Returns the test accuracy.
 */
function nearestClassMean(dataset: ImageDataset, features: (split: DataSplit, index: number, out: Float64Array) => void, length: number): number {
  const classes = dataset.classNames.length;
  const means = new Float64Array(classes * length);
  const counts = new Float64Array(classes);
  const feature = new Float64Array(length);
  for (let i = 0; i < dataset.train.count; i++) {
    features(dataset.train, i, feature);
    const label = dataset.train.labels[i]!;
    counts[label]! += 1;
    for (let k = 0; k < length; k++) means[label * length + k]! += feature[k]!;
  }
  for (let c = 0; c < classes; c++) for (let k = 0; k < length; k++) means[c * length + k]! /= counts[c]!;
  let correct = 0;
  for (let i = 0; i < dataset.test.count; i++) {
    features(dataset.test, i, feature);
    let best = -1;
    let bestDistance = Infinity;
    for (let c = 0; c < classes; c++) {
      let distance = 0;
      for (let k = 0; k < length; k++) {
        const difference = feature[k]! - means[c * length + k]!;
        distance += difference * difference;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    if (best === dataset.test.labels[i]) correct++;
  }
  return correct / dataset.test.count;
}

/**
 * Simple hand-made features that do not depend on the random colours: the image's edge map pooled to a
 * 4×4 grid, and a histogram of edge orientations (8 bins, weighted by edge strength), each normalised.
 */
function edgeFeatures(side: number, channels: number) {
  const grey = new Float64Array(side * side);
  const cells = 4;
  const bins = 8;
  return (split: DataSplit, index: number, out: Float64Array): void => {
    out.fill(0);
    const base = index * side * side * channels;
    for (let p = 0; p < side * side; p++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += split.images[base + p * channels + c]!;
      grey[p] = sum / channels;
    }
    let total = 0;
    for (let y = 1; y < side - 1; y++) {
      for (let x = 1; x < side - 1; x++) {
        const gx = grey[y * side + x + 1]! - grey[y * side + x - 1]!;
        const gy = grey[(y + 1) * side + x]! - grey[(y - 1) * side + x]!;
        const magnitude = Math.sqrt(gx * gx + gy * gy);
        total += magnitude;
        const cell = Math.floor((y * cells) / side) * cells + Math.floor((x * cells) / side);
        out[cell]! += magnitude;
        // orientation modulo π (edge polarity does not matter)
        let angle = Math.atan2(gy, gx);
        if (angle < 0) angle += Math.PI;
        const bin = Math.min(bins - 1, Math.floor((angle / Math.PI) * bins));
        out[cells * cells + bin]! += magnitude;
      }
    }
    if (total > 0) for (let k = 0; k < out.length; k++) out[k]! /= total;
  };
}

test('learnability: raw-pixel class means carry no class signal; simple edge features are above chance but far from perfect', () => {
  const [side, , channels] = defaults.imageShape;
  const pixels = side * side * channels;
  const rawAccuracy = nearestClassMean(
    defaults,
    (split, index, out) => {
      for (let k = 0; k < pixels; k++) out[k] = split.images[index * pixels + k]!;
    },
    pixels,
  );
  const edgeAccuracy = nearestClassMean(defaults, edgeFeatures(side, channels), 4 * 4 + 8);
  console.log(`shapes10 nearest-class-mean test accuracy: raw pixels ${(rawAccuracy * 100).toFixed(1)}%, edge features ${(edgeAccuracy * 100).toFixed(1)}% (chance 10%)`);
  // Random colours and either polarity: the mean image of every class is a blur, so raw pixels are no shortcut.
  assert.ok(rawAccuracy < 0.2, `raw-pixel nearest-class-mean accuracy ${rawAccuracy}`);
  // Structure is there to learn, but not in a form a trivial classifier finds.
  assert.ok(edgeAccuracy > 0.25, `edge-feature nearest-class-mean accuracy ${edgeAccuracy}`);
  assert.ok(edgeAccuracy < 0.8, `edge-feature nearest-class-mean accuracy ${edgeAccuracy}`);
});
