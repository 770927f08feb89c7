import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentationSchema, augmentBatch, drawsForStep, parseAugmentationList } from '../../app/data/augment.js';

const SHAPE: [number, number, number] = [8, 8, 2];
const SIZE = 8 * 8 * 2;

/** Every value distinct: pixel (y, x, c) = (1 + y·16 + x·2 + c) / 1000, so where a value moved to is readable. */
function gradientBatch(rows: number): Float32Array {
  const pixels = new Float32Array(rows * SIZE);
  for (let row = 0; row < rows; row++) for (let i = 0; i < SIZE; i++) pixels[row * SIZE + i] = (1 + i) / 1000;
  return pixels;
}

const at = (pixels: Float32Array, row: number, y: number, x: number, c: number) => pixels[row * SIZE + (y * 8 + x) * 2 + c]!;
const original = (y: number, x: number, c: number) => Math.fround((1 + (y * 8 + x) * 2 + c) / 1000);

test('crop and flip move pixels exactly as the step\'s draws say, zero-filling the padding', () => {
  const options = augmentationSchema.parse({ crop: true, flip: true, cropPadding: 2 });
  const rows = 16;
  const pixels = gradientBatch(rows);
  augmentBatch(pixels, SHAPE, rows, options, 5, 42, [0.5, 0.5]);
  const draws = drawsForStep(5, 42, rows, 8, 8, options);
  assert.ok(draws.some((d) => d.flip) && draws.some((d) => !d.flip), 'both flipped and unflipped rows in 16');
  assert.ok(draws.some((d) => d.shiftX !== 0 || d.shiftY !== 0));
  for (let row = 0; row < rows; row++) {
    const { shiftY, shiftX, flip } = draws[row]!;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const sourceY = y + shiftY;
        const sourceX = (flip ? 7 - x : x) + shiftX;
        const inside = sourceY >= 0 && sourceY < 8 && sourceX >= 0 && sourceX < 8;
        for (let c = 0; c < 2; c++) assert.equal(at(pixels, row, y, x, c), inside ? original(sourceY, sourceX, c) : 0, `row ${row} (${y}, ${x}, ${c})`);
      }
    }
  }
});

test('cutout fills a clipped square with the given per-channel value, on about half the rows', () => {
  const options = augmentationSchema.parse({ cutout: true, cutoutSize: 4 });
  const rows = 64;
  const pixels = gradientBatch(rows);
  augmentBatch(pixels, SHAPE, rows, options, 9, 0, [0.25, 0.75]);
  const draws = drawsForStep(9, 0, rows, 8, 8, options);
  const cut = draws.filter((d) => d.cutout).length;
  assert.ok(cut > 16 && cut < 48, `${cut} of 64 rows cut`);
  for (let row = 0; row < rows; row++) {
    const { cutout, cutoutCenterY: cy, cutoutCenterX: cx } = draws[row]!;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const inSquare = cutout && y >= cy - 2 && y < cy + 2 && x >= cx - 2 && x < cx + 2;
        assert.equal(at(pixels, row, y, x, 0), inSquare ? 0.25 : original(y, x, 0));
        assert.equal(at(pixels, row, y, x, 1), inSquare ? 0.75 : original(y, x, 1));
      }
    }
  }
});

test('the draws depend only on seed and step; each transform keeps its draws when another is switched', () => {
  const all = augmentationSchema.parse({ crop: true, flip: true, cutout: true });
  const once = gradientBatch(8);
  const again = gradientBatch(8);
  augmentBatch(once, SHAPE, 8, all, 3, 10, [0, 0]);
  augmentBatch(again, SHAPE, 8, all, 3, 10, [0, 0]);
  assert.deepEqual(once, again);
  const otherStep = gradientBatch(8);
  augmentBatch(otherStep, SHAPE, 8, all, 3, 11, [0, 0]);
  assert.notDeepEqual(otherStep, once);
  const flipOnly = drawsForStep(3, 10, 8, 8, 8, augmentationSchema.parse({ flip: true }));
  assert.deepEqual(flipOnly.map((d) => d.flip), drawsForStep(3, 10, 8, 8, 8, all).map((d) => d.flip));
  const untouched = gradientBatch(2);
  augmentBatch(untouched, SHAPE, 2, augmentationSchema.parse({}), 3, 10, [0, 0]);
  assert.deepEqual(untouched, gradientBatch(2), 'everything off changes nothing');
});

test('the --augment list names every transform or says which one is unknown', () => {
  assert.deepEqual(parseAugmentationList('crop, flip,cutout'), { crop: true, flip: true, cutout: true });
  assert.deepEqual(parseAugmentationList('none'), {});
  assert.throws(() => parseAugmentationList('crop,rotate'), /"rotate" is not an augmentation; use .*crop, flip, cutout/);
});
