import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleSeries } from '../../app/api/downsample.js';
import type { RawSeries } from '../../app/store/store.js';

/** A noisy, slowly falling loss curve: deterministic, positive, never near the spike's height. */
function lossCurve(length: number): RawSeries {
  const steps: number[] = [];
  const elapsedMs: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < length; i++) {
    steps.push(i + 1);
    elapsedMs.push(3 + i * 7 + (i % 5));
    values.push(1 + Math.exp(-i / 20_000) + 0.05 * Math.sin(i * 0.37) + 0.02 * Math.cos(i * 1.91));
  }
  return { steps, elapsedMs, values };
}

/** Every kept point is one of the original points, its three coordinates taken from the same index. */
function assertOriginalPoints(result: RawSeries, original: RawSeries): void {
  assert.equal(result.steps.length, result.values.length);
  assert.equal(result.steps.length, result.elapsedMs.length);
  for (let k = 0; k < result.steps.length; k++) {
    const index = original.steps.indexOf(result.steps[k]!);
    assert.ok(index >= 0, `step ${result.steps[k]} is an original step`);
    assert.equal(result.elapsedMs[k], original.elapsedMs[index], `elapsedMs of step ${result.steps[k]}`);
    assert.equal(result.values[k], original.values[index], `value of step ${result.steps[k]}`);
    if (k > 0) assert.ok(result.steps[k]! > result.steps[k - 1]!, 'points stay in order');
  }
}

test('a 100,000-point series shrinks to at most 500 original points, keeping both ends and a spike', () => {
  const series = lossCurve(100_000);
  const spikeIndex = 54_321;
  const spike = series.values[spikeIndex]! * 100;
  series.values[spikeIndex] = spike;

  const result = downsampleSeries(series, 500);
  assert.ok(result.steps.length <= 500, `kept ${result.steps.length} points`);
  assert.ok(result.steps.length >= 400, `still draws the curve: kept ${result.steps.length} points`);
  assert.equal(result.steps[0], 1);
  assert.equal(result.values[0], series.values[0]);
  assert.equal(result.elapsedMs[0], series.elapsedMs[0]);
  assert.equal(result.steps.at(-1), 100_000);
  assert.equal(result.values.at(-1), series.values.at(-1));
  assert.equal(result.elapsedMs.at(-1), series.elapsedMs.at(-1));

  const spikeAt = result.values.indexOf(spike);
  assert.ok(spikeAt >= 0, 'the spike survives');
  assert.equal(result.steps[spikeAt], spikeIndex + 1);
  assert.equal(result.elapsedMs[spikeAt], series.elapsedMs[spikeIndex]);
  assertOriginalPoints(result, series);

  // the input is not modified
  assert.equal(series.values.length, 100_000);
  assert.equal(series.values[spikeIndex], spike);
});

test('null (and non-finite) values are left out, before and without downsampling', () => {
  const short: RawSeries = {
    steps: [1, 2, 3, 4, 5, 6],
    elapsedMs: [10, 20, 30, 40, 50, 60],
    values: [0.5, null, 0.3, Number.NaN, 0.2, Number.POSITIVE_INFINITY],
  };
  assert.deepEqual(downsampleSeries(short, 100), { steps: [1, 3, 5], elapsedMs: [10, 30, 50], values: [0.5, 0.3, 0.2] });

  const long = lossCurve(2000);
  const withGaps: RawSeries = { ...long, values: long.values.map((v, i) => (i % 3 === 1 ? null : v)) };
  const result = downsampleSeries(withGaps, 50);
  assert.ok(result.steps.length <= 50 && result.steps.length > 0);
  assert.ok(result.values.every((v) => v !== null && Number.isFinite(v)), 'no point without a value');
  assertOriginalPoints(result, withGaps);
  assert.equal(result.steps[0], 1);
  // index 1999 is one of the gaps (1999 % 3 === 1): the last point with a value is step 1999
  assert.equal(result.steps.at(-1), 1999);

  const allNull: RawSeries = { steps: [1, 2, 3], elapsedMs: [1, 2, 3], values: [null, null, null] };
  assert.deepEqual(downsampleSeries(allNull, 3), { steps: [], elapsedMs: [], values: [] });
});

test('a series no longer than maxPoints is returned whole', () => {
  const series = lossCurve(300);
  assert.deepEqual(downsampleSeries(series, 500), series);
  assert.deepEqual(downsampleSeries(series, 300), series, 'exactly maxPoints');
  const shorter = downsampleSeries(series, 299);
  assert.ok(shorter.steps.length <= 299);
  assertOriginalPoints(shorter, series);
  assert.deepEqual(downsampleSeries({ steps: [], elapsedMs: [], values: [] }, 3), { steps: [], elapsedMs: [], values: [] });
});

test('maxPoints 3 keeps the first, the most prominent middle point, and the last', () => {
  const series: RawSeries = {
    steps: [1, 2, 3, 4, 5, 6, 7, 8],
    elapsedMs: [5, 10, 15, 20, 25, 30, 35, 40],
    values: [1, 1.1, 0.9, 1, 7, 1, 1.05, 1],
  };
  assert.deepEqual(downsampleSeries(series, 3), { steps: [1, 5, 8], elapsedMs: [5, 25, 40], values: [1, 7, 1] });
});
