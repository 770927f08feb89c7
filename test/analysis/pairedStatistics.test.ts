import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonResults, estimate, pairedDifference } from '../../app/analysis/pairedStatistics.js';
import type { RunInfo, RunStatus } from '../../app/api/types.js';
import { parseTrainConfig } from '../../app/training/config.js';

/** t quantiles (two-sided 95%) from tables: 2 and 1 degrees of freedom. */
const T_975_DF2 = 4.302652729911275;
const T_975_DF1 = 12.706204736174705;

function close(actual: number | null | undefined, expected: number, tolerance = 1e-9, what = 'value'): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected}, got ${actual}`);
}

describe('estimate', () => {
  test('mean and sample standard deviation of known numbers', () => {
    const result = estimate([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.ok(result);
    assert.equal(result.mean, 5);
    assert.equal(result.count, 8);
    // sum of squared deviations 32, divided by n − 1 = 7 (the population sd would be 2)
    close(result.standardDeviation, Math.sqrt(32 / 7), 1e-12, 'sd');

    const two = estimate([0.7, 0.9]);
    close(two!.mean, 0.8, 1e-12, 'mean');
    close(two!.standardDeviation, Math.SQRT1_2 * 0.2, 1e-12, 'sd');
  });

  test('one value has no standard deviation; none has no estimate', () => {
    assert.deepEqual(estimate([0.42]), { mean: 0.42, standardDeviation: null, count: 1 });
    assert.equal(estimate([]), null);
  });
});

describe('pairedDifference', () => {
  test('mean with a Student-t 95% interval', () => {
    const result = pairedDifference([1, 2, 3]);
    assert.equal(result.mean, 2);
    // sd 1, n 3: half width t(0.975, 2) / √3
    const halfWidth = T_975_DF2 / Math.sqrt(3);
    close(result.low, 2 - halfWidth, 1e-9, 'low');
    close(result.high, 2 + halfWidth, 1e-9, 'high');
  });

  test('two pairs use one degree of freedom', () => {
    const result = pairedDifference([0.01, 0.03]);
    close(result.mean, 0.02, 1e-15, 'mean');
    const halfWidth = (T_975_DF1 * Math.SQRT1_2 * 0.02) / Math.SQRT2;
    close(result.low, 0.02 - halfWidth, 1e-9, 'low');
    close(result.high, 0.02 + halfWidth, 1e-9, 'high');
  });

  test('another confidence level narrows the interval', () => {
    const ninety = pairedDifference([1, 2, 3], 0.9);
    // t(0.95, 2) = 2.919985580355516
    close(ninety.high! - ninety.mean, 2.919985580355516 / Math.sqrt(3), 1e-9, 'half width');
  });

  test('a single pair has a mean but no interval; no pair is an error', () => {
    assert.deepEqual(pairedDifference([0.05]), { mean: 0.05, low: null, high: null });
    assert.throws(() => pairedDifference([]), RangeError);
  });

  test('identical differences give a zero-width interval', () => {
    const result = pairedDifference([0.5, 0.5, 0.5]);
    assert.equal(result.mean, 0.5);
    assert.equal(result.low, 0.5);
    assert.equal(result.high, 0.5);
  });
});

describe('comparisonResults', () => {
  let nextId = 1;
  function run(arm: string, seed: number, finalTestAccuracy: number | null, bestTestAccuracy: number | null, status: RunStatus = 'completed'): RunInfo {
    return {
      id: nextId++,
      name: `${arm} seed ${seed}`,
      status,
      config: parseTrainConfig({ optimizer: { name: arm === 'fsam' ? 'fsam' : 'sam', lr: 0.1 }, seed }),
      backend: 'cpu',
      device: 'cpu',
      createdAt: 0,
      startedAt: 1,
      endedAt: status === 'completed' ? 2 : null,
      message: null,
      comparisonId: 1,
      arm,
      parameterCount: 10,
      stepsPerEpoch: 4,
      totalSteps: 4,
      step: 4,
      epochsDone: 1,
      finalTestAccuracy,
      bestTestAccuracy,
      finalTrainLoss: 0.5,
      stepsPerSecond: 10,
      trainingMs: 400,
    };
  }

  // sam: seeds 1, 2, 3; fsam: seeds 1, 2, 3 and 4 — seed 4 has no sam partner and must not be paired
  const sam1 = run('sam', 1, 0.7, 0.72);
  const sam2 = run('sam', 2, 0.6, 0.65);
  const sam3 = run('sam', 3, 0.65, 0.7);
  const fsam1 = run('fsam', 1, 0.74, 0.75);
  const fsam2 = run('fsam', 2, 0.61, 0.7);
  const fsam3 = run('fsam', 3, 0.69, 0.71);
  const fsam4 = run('fsam', 4, 0.99, 0.99);
  // shuffled: pairing goes by seed, not by position
  const shuffled = [fsam3, sam2, fsam4, sam1, fsam1, sam3, fsam2];

  test('arms are summarised and paired with the baseline by seed', () => {
    const results = comparisonResults(['sam', 'fsam'], 'sam', shuffled);

    assert.deepEqual(
      results.arms.map((a) => a.arm),
      ['sam', 'fsam'],
      'arms in the given order',
    );
    const [sam, fsam] = results.arms;
    assert.deepEqual([...sam!.runIds].sort(), [sam1.id, sam2.id, sam3.id].sort());
    assert.deepEqual([...fsam!.runIds].sort(), [fsam1.id, fsam2.id, fsam3.id, fsam4.id].sort());
    assert.equal(sam!.finalTestAccuracy!.count, 3);
    close(sam!.finalTestAccuracy!.mean, (0.7 + 0.6 + 0.65) / 3, 1e-12, 'sam final mean');
    close(sam!.bestTestAccuracy!.mean, (0.72 + 0.65 + 0.7) / 3, 1e-12, 'sam best mean');
    assert.equal(fsam!.finalTestAccuracy!.count, 4, 'an arm’s own summary uses all its runs');
    close(fsam!.finalTestAccuracy!.mean, (0.74 + 0.61 + 0.69 + 0.99) / 4, 1e-12, 'fsam final mean');

    assert.equal(results.differences.length, 2, 'one difference per metric for the one non-baseline arm');
    const final = results.differences.find((d) => d.metric === 'finalTestAccuracy');
    const best = results.differences.find((d) => d.metric === 'bestTestAccuracy');
    assert.ok(final && best);
    for (const difference of [final, best]) {
      assert.equal(difference.arm, 'fsam');
      assert.equal(difference.baseline, 'sam');
      assert.equal(difference.pairs, 3, 'seed 4 has no partner');
    }
    // final: differences 0.04, 0.01, 0.04 (seed by seed)
    const finalDiffs = [0.74 - 0.7, 0.61 - 0.6, 0.69 - 0.65];
    const finalMean = (finalDiffs[0]! + finalDiffs[1]! + finalDiffs[2]!) / 3;
    const finalSd = Math.sqrt(finalDiffs.reduce((s, d) => s + (d - finalMean) ** 2, 0) / 2);
    close(final.meanDifference, finalMean, 1e-12, 'final mean difference');
    close(final.low, finalMean - (T_975_DF2 * finalSd) / Math.sqrt(3), 1e-9, 'final low');
    close(final.high, finalMean + (T_975_DF2 * finalSd) / Math.sqrt(3), 1e-9, 'final high');
    // best: 0.03, 0.05, 0.01
    close(best.meanDifference, (0.03 + 0.05 + 0.01) / 3, 1e-12, 'best mean difference');
    close(best.high! - best.meanDifference, (T_975_DF2 * 0.02) / Math.sqrt(3), 1e-9, 'best half width');

    assert.equal(results.winner, 'fsam', 'highest mean final test accuracy, all runs ended');
  });

  test('a run without a value is left out of its arm and its pairs', () => {
    const samFailed = run('sam', 3, null, null, 'failed');
    const results = comparisonResults(['sam', 'fsam'], 'sam', [fsam1, sam1, samFailed, fsam3, sam2, fsam2]);
    assert.equal(results.arms[0]!.finalTestAccuracy!.count, 2);
    assert.deepEqual(results.arms[0]!.runIds.length, 3, 'the run still belongs to its arm');
    const final = results.differences.find((d) => d.metric === 'finalTestAccuracy')!;
    assert.equal(final.pairs, 2);
    close(final.meanDifference, (0.04 + 0.01) / 2, 1e-12, 'mean of the two pairs');
  });

  test('the baseline can win; a single pair has no interval', () => {
    const a = run('sam', 1, 0.9, 0.9);
    const b = run('fsam', 1, 0.8, 0.85);
    const results = comparisonResults(['sam', 'fsam'], 'sam', [b, a]);
    assert.equal(results.winner, 'sam');
    const final = results.differences.find((d) => d.metric === 'finalTestAccuracy')!;
    assert.equal(final.pairs, 1);
    close(final.meanDifference, -0.1, 1e-12, 'difference');
    assert.equal(final.low, null);
    assert.equal(final.high, null);

    // the baseline need not be the first arm
    const reversed = comparisonResults(['sam', 'fsam'], 'fsam', [a, b]);
    const reversedFinal = reversed.differences.find((d) => d.metric === 'finalTestAccuracy')!;
    assert.equal(reversedFinal.arm, 'sam');
    assert.equal(reversedFinal.baseline, 'fsam');
    close(reversedFinal.meanDifference, 0.1, 1e-12, 'difference');
  });

  test('no winner while a run is still active, or without runs', () => {
    for (const status of ['running', 'queued', 'paused'] as const) {
      const stillGoing = run('sam', 3, 0.65, 0.7, status);
      const results = comparisonResults(['sam', 'fsam'], 'sam', [fsam3, sam2, fsam4, sam1, fsam1, stillGoing, fsam2]);
      assert.equal(results.winner, null, `one run ${status}`);
      assert.equal(results.differences.length, 2, 'partial results are still given');
    }
    const ended = comparisonResults(['sam', 'fsam'], 'sam', [sam1, run('fsam', 1, null, null, 'failed')]);
    assert.equal(ended.winner, 'sam', 'failed runs have ended');
    assert.deepEqual(ended.differences, [], 'no pairs, no differences');
    assert.equal(ended.arms[1]!.finalTestAccuracy, null);

    const empty = comparisonResults(['sam', 'fsam'], 'sam', []);
    assert.equal(empty.winner, null);
    assert.deepEqual(empty.differences, []);
    assert.deepEqual(
      empty.arms.map((a) => [a.arm, a.runIds, a.finalTestAccuracy, a.bestTestAccuracy]),
      [
        ['sam', [], null, null],
        ['fsam', [], null, null],
      ],
    );
  });
});
