/**
 * What the study view draws: per arm the means by swept value, and band edges only where an interval
 * exists (so the low and high lists always pair up); the axis scale; the table's texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SeedEstimate, StudyCellResult, StudyResults } from '../../app/api/types.js';
import { differenceSign, formatDifference, formatSeedEstimate, formatStudyValue, studyAxisScale, studySeries } from '../../renderer/src/lib/studyView.js';

const estimate = (mean: number, low: number | null, high: number | null, count = 3): SeedEstimate => ({ mean, low, high, count });

function cell(arm: string, value: number | null, final: SeedEstimate | null): StudyCellResult {
  return { arm, value, runIds: [], completed: final?.count ?? 0, finalTestAccuracy: final, bestTestAccuracy: null, noisyTrainAccuracy: null, cleanTrainAccuracy: null };
}

const RESULTS: StudyResults = {
  cells: [
    cell('SAM', 0.1, estimate(0.8, 0.75, 0.85)),
    cell('F-SAM', 0.1, estimate(0.82, null, null, 1)),
    cell('SAM', 0.02, estimate(0.7, 0.6, 0.8)),
    cell('F-SAM', 0.02, null),
    cell('SAM', 0.5, null),
    cell('F-SAM', 0.5, estimate(0.9, 0.88, 0.92)),
  ],
  differences: [],
  notes: [],
};

test('one series per arm, means sorted by value, band edges only where there is an interval', () => {
  const colors = new Map([['SAM', '#2f7ed8']]);
  const [sam, fsam] = studySeries(RESULTS, ['SAM', 'F-SAM'], 'finalTestAccuracy', colors);
  assert.deepEqual(sam!.mean, [{ x: 0.02, y: 0.7 }, { x: 0.1, y: 0.8 }]);
  assert.deepEqual(sam!.low, [{ x: 0.02, y: 0.6 }, { x: 0.1, y: 0.75 }]);
  assert.deepEqual(sam!.high, [{ x: 0.02, y: 0.8 }, { x: 0.1, y: 0.85 }]);
  assert.equal(sam!.color, '#2f7ed8');
  assert.deepEqual(fsam!.mean, [{ x: 0.1, y: 0.82 }, { x: 0.5, y: 0.9 }]);
  assert.deepEqual(fsam!.low, [{ x: 0.5, y: 0.88 }], 'one seed at 0.1: a mean without a band');
  assert.deepEqual(studySeries(RESULTS, ['SAM'], 'bestTestAccuracy', colors)[0]!.mean, [], 'no best accuracy yet: no points');
});

test('the band is drawn within [0, 1], as an accuracy is', () => {
  const results: StudyResults = { cells: [cell('A', 0.1, estimate(0.1, -0.2, 0.4)), cell('A', 0.2, estimate(0.95, 0.85, 1.05))], differences: [], notes: [] };
  const [series] = studySeries(results, ['A'], 'finalTestAccuracy', new Map());
  assert.deepEqual(series!.low, [{ x: 0.1, y: 0 }, { x: 0.2, y: 0.85 }]);
  assert.deepEqual(series!.high, [{ x: 0.1, y: 0.4 }, { x: 0.2, y: 1 }]);
});

test('a study without a swept setting puts each arm at its index', () => {
  const results: StudyResults = { cells: [cell('A', null, estimate(0.5, 0.4, 0.6)), cell('B', null, estimate(0.6, 0.5, 0.7))], differences: [], notes: [] };
  const series = studySeries(results, ['A', 'B'], 'finalTestAccuracy', new Map());
  assert.deepEqual(series.map((arm) => arm.mean), [[{ x: 0, y: 0.5 }], [{ x: 1, y: 0.6 }]]);
});

test('a log axis for values over a decade, linear for label noise from 0 or a narrow range', () => {
  assert.equal(studyAxisScale([0.02, 0.05, 0.1, 0.2, 0.5]), 'logarithmic');
  assert.equal(studyAxisScale([0, 0.2, 0.4, 0.6]), 'linear');
  assert.equal(studyAxisScale([0.2, 0.4, 0.6]), 'linear');
  assert.equal(studyAxisScale([0.01, 1]), 'linear', 'two values: nothing to spread');
});

test('texts: estimates with their interval or why none, signed differences, values', () => {
  assert.equal(formatSeedEstimate(estimate(0.8734, 0.861, 0.884)), '87.3% [86.1, 88.4]');
  assert.equal(formatSeedEstimate(estimate(0.8, null, null, 1)), '80.0% (1 seed, no interval)');
  assert.equal(formatSeedEstimate(estimate(0.1, -0.212, 0.384, 2)), '10.0% [−21.2, 38.4]');
  assert.equal(formatSeedEstimate(null), '—');
  const difference = { arm: 'F-SAM', baseline: 'SAM', value: 0.1, metric: 'finalTestAccuracy' as const, pairs: 3, mean: 0.012, low: -0.003, high: 0.027 };
  assert.equal(formatDifference(difference), '+1.2 pp [−0.3, +2.7]');
  assert.equal(differenceSign(difference), 'unclear');
  assert.equal(differenceSign({ ...difference, low: 0.001 }), 'better');
  assert.equal(differenceSign({ ...difference, mean: -0.02, low: -0.03, high: -0.01 }), 'worse');
  assert.equal(formatDifference({ ...difference, pairs: 1, low: null, high: null }), '+1.2 pp (1 pair, no interval)');
  assert.equal(formatDifference(undefined), '—');
  assert.equal(formatStudyValue('labelNoise', 0.4), '40 %');
  assert.equal(formatStudyValue('rho', 0.05), '0.05');
});
