import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchLabels, batchToFloat, classCounts, exampleSize, takeFirst } from '../../app/data/dataset.js';
import type { DataSplit } from '../../app/data/dataset.js';

/** 4 examples of 2×2×3 whose bytes are distinct and predictable: example e, position p → e * 12 + p (× 5 mod 256). */
function tinySplit(): DataSplit {
  const count = 4;
  const images = new Uint8Array(count * 12);
  for (let i = 0; i < images.length; i++) images[i] = (i * 5) % 256;
  images[0] = 0;
  images[13] = 255;
  return { images, labels: Uint8Array.from([3, 1, 4, 1]), count };
}

test('batchToFloat gathers the requested examples in order and scales bytes to [0, 1]', () => {
  const split = tinySplit();
  const batch = batchToFloat(split, [2, 0, 2, 1]);
  assert.equal(batch.length, 4 * 12);
  const order = [2, 0, 2, 1];
  for (let row = 0; row < order.length; row++) {
    for (let k = 0; k < 12; k++) {
      const expected = Math.fround(split.images[order[row]! * 12 + k]! / 255);
      assert.equal(batch[row * 12 + k], expected, `row ${row} value ${k}`);
    }
  }
  assert.equal(batch[12], 0); // example 0, first byte 0
  assert.equal(batch[3 * 12 + 1], 1); // example 1, byte 13 = 255
});

test('batchToFloat reuses an output buffer, returning a view when it is longer than the batch', () => {
  const split = tinySplit();
  const buffer = new Float32Array(3 * 12).fill(-1);
  const full = batchToFloat(split, Int32Array.from([1, 2, 3]), buffer);
  assert.equal(full, buffer);
  const short = batchToFloat(split, [3], buffer);
  assert.equal(short.length, 12);
  assert.equal(short.buffer, buffer.buffer);
  assert.deepEqual(Array.from(short), Array.from(batchToFloat(split, [3])));
  assert.throws(() => batchToFloat(split, [0, 1, 2, 3], buffer), /output buffer holds 36 floats/);
});

test('batchToFloat and batchLabels reject indices outside the split', () => {
  const split = tinySplit();
  assert.throws(() => batchToFloat(split, [0, 4]), /example index 4 \(batch row 1\) is outside 0\.\.3/);
  assert.throws(() => batchToFloat(split, [-1]), /outside/);
  assert.throws(() => batchToFloat(split, [1.5]), /outside/);
  assert.throws(() => batchLabels(split, [7]), /outside/);
});

test('batchLabels gathers int32 labels; classCounts, exampleSize and takeFirst', () => {
  const split = tinySplit();
  const labels = batchLabels(split, [3, 2, 0]);
  assert.ok(labels instanceof Int32Array);
  assert.deepEqual(Array.from(labels), [1, 4, 3]);
  assert.deepEqual(classCounts(split, 5), [0, 2, 0, 1, 1]);
  assert.equal(exampleSize(split), 12);
  const first = takeFirst(split, 2);
  assert.equal(first.count, 2);
  assert.deepEqual(Array.from(first.labels), [3, 1]);
  assert.deepEqual(Array.from(first.images), Array.from(split.images.subarray(0, 24)));
  assert.equal(first.images.byteOffset, 0);
  assert.equal(first.images.buffer.byteLength, 24);
});

test('batchToFloat is fast enough for per-step use (timing printed, not asserted)', () => {
  const count = 10000;
  const size = 32 * 32 * 3;
  const split: DataSplit = { images: new Uint8Array(count * size).map((_, i) => i & 255), labels: new Uint8Array(count), count };
  const indices = Int32Array.from({ length: 128 }, (_, i) => (i * 7919) % count);
  const out = new Float32Array(128 * size);
  const started = performance.now();
  for (let repeat = 0; repeat < 100; repeat++) batchToFloat(split, indices, out);
  const perBatch = (performance.now() - started) / 100;
  console.log(`batchToFloat: ${perBatch.toFixed(3)} ms per 128×32×32×3 batch`);
});
