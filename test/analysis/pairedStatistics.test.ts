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
      config: parseTrainConfig({ optimizer: { name: arm === 'fsam' ? 'fsam' : arm === 'sgd' ? 'sgd' : 'sam', lr: 0.1 }, seed }),
      backend: 'cpu',
      placement: 'local',
      workerHost: null,
      queueAttempt: 0,
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
    // the comparison's seeds are 1, 2 and 3: fsam's seed-4 run is an extra outside the pairing
    const results = comparisonResults(['sam', 'fsam'], 'sam', shuffled, [1, 2, 3]);

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
    // issue 13: a failed run has ended, but it did not complete, so its arm has no result for the seed
    const ended = comparisonResults(['sam', 'fsam'], 'sam', [sam1, run('fsam', 1, null, null, 'failed')]);
    assert.equal(ended.winner, null, 'a failed run is no completed run of its seed');
    assert.match(ended.winnerPending!, /fsam seed 1 failed after 1 of \d+ epochs \(resume it to count it\)/);
    assert.deepEqual(ended.differences, [], 'no pairs, no differences');
    assert.equal(ended.arms[1]!.finalTestAccuracy, null);

    const empty = comparisonResults(['sam', 'fsam'], 'sam', []);
    assert.equal(empty.winner, null);
    assert.equal(empty.winnerPending, 'No winner yet: there are no runs.');
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

describe('comparisonResults while runs are unfinished (issue 13)', () => {
  let nextId = 100;
  /** A run of `epochs` epochs of 10 steps, `epochsDone` of them done, `accuracies` its test accuracy after each. */
  function run(arm: 'sgd' | 'sam' | 'fsam', seed: number, status: RunStatus, accuracies: number[], epochs = 3): RunInfo {
    const epochsDone = accuracies.length;
    return {
      id: nextId++,
      name: `${arm} seed ${seed}`,
      status,
      config: parseTrainConfig({ optimizer: { name: arm, lr: 0.1 }, seed, epochs }),
      backend: 'cpu',
      placement: 'local',
      workerHost: null,
      queueAttempt: 0,
      device: 'cpu',
      createdAt: 0,
      startedAt: status === 'queued' ? null : 1,
      endedAt: ['queued', 'running', 'paused'].includes(status) ? null : 2,
      message: status === 'interrupted' ? 'the process training this run ended before it did' : null,
      comparisonId: 1,
      arm,
      parameterCount: status === 'queued' ? null : 10,
      stepsPerEpoch: status === 'queued' ? null : 10,
      totalSteps: status === 'queued' ? null : 10 * epochs,
      // a running run is part-way into its next epoch
      step: 10 * epochsDone + (status === 'running' ? 5 : 0),
      epochsDone,
      finalTestAccuracy: accuracies.at(-1) ?? null,
      bestTestAccuracy: accuracies.length === 0 ? null : Math.max(...accuracies),
      finalTrainLoss: accuracies.length === 0 ? null : 0.5,
      stepsPerSecond: status === 'queued' ? null : 10,
      trainingMs: 100 * epochsDone,
    };
  }

  test('the observed case: SAM still training, F-SAM interrupted after 2 of 3 epochs — no final accuracy, no Δ, no winner', () => {
    const sgd = run('sgd', 1, 'completed', [0.7, 0.8, 0.84]);
    const sam = run('sam', 1, 'running', [0.508]);
    const fsam = run('fsam', 1, 'interrupted', [0.6, 0.7]);
    const results = comparisonResults(['sgd', 'sam', 'fsam'], 'sgd', [sgd, sam, fsam], [1]);
    const [sgdArm, samArm, fsamArm] = results.arms;

    assert.equal(sgdArm!.completed, 1);
    close(sgdArm!.finalTestAccuracy!.mean, 0.84, 1e-12, 'sgd final');
    assert.deepEqual(sgdArm!.provisional, []);
    assert.deepEqual(sgdArm!.excluded, []);

    assert.equal(samArm!.completed, 0);
    assert.equal(samArm!.finalTestAccuracy, null, 'a running run has no final accuracy');
    assert.equal(samArm!.bestTestAccuracy, null);
    assert.deepEqual(samArm!.runIds, [sam.id], 'the run still belongs to its arm');
    assert.deepEqual(samArm!.provisional, [{ runId: sam.id, seed: 1, status: 'running', progress: 15 / 30, epochsDone: 1, epochs: 3, latestTestAccuracy: 0.508 }]);
    assert.deepEqual(samArm!.excluded, []);

    assert.equal(fsamArm!.completed, 0);
    assert.equal(fsamArm!.finalTestAccuracy, null, 'an interrupted run is not counted');
    assert.deepEqual(fsamArm!.provisional, []);
    assert.deepEqual(fsamArm!.excluded, [{ runId: fsam.id, seed: 1, status: 'interrupted', epochsDone: 2, epochs: 3, message: 'the process training this run ended before it did' }]);

    assert.deepEqual(results.differences, [], 'no paired Δ against an unfinished or excluded run');
    assert.equal(results.winner, null);
    assert.equal(results.winnerPending, 'No winner yet: sam seed 1 is running (1 of 3 epochs done); fsam seed 1 was interrupted after 2 of 3 epochs (resume it to count it).');
  });

  test('queued and paused runs are provisional; stopped, diverged and failed runs are excluded', () => {
    const runs = [
      run('sam', 1, 'completed', [0.7, 0.75, 0.8]),
      run('sam', 2, 'queued', []),
      run('sam', 3, 'paused', [0.5, 0.6]),
      run('fsam', 1, 'stopped', [0.7]),
      run('fsam', 2, 'diverged', [0.1]),
      run('fsam', 3, 'failed', []),
    ];
    const results = comparisonResults(['sam', 'fsam'], 'sam', runs, [1, 2, 3]);
    const [sam, fsam] = results.arms;
    assert.equal(sam!.completed, 1);
    assert.deepEqual(sam!.provisional.map((p) => [p.seed, p.status, p.progress, p.latestTestAccuracy]), [
      [2, 'queued', 0, null],
      [3, 'paused', 20 / 30, 0.6],
    ]);
    assert.equal(sam!.finalTestAccuracy!.count, 1, 'the mean is over completed runs alone');
    assert.equal(fsam!.completed, 0);
    assert.deepEqual(fsam!.excluded.map((e) => [e.seed, e.status, e.epochsDone]), [
      [1, 'stopped', 1],
      [2, 'diverged', 1],
      [3, 'failed', 0],
    ]);
    assert.equal(fsam!.finalTestAccuracy, null);
    assert.deepEqual(results.differences, []);
    assert.equal(results.winner, null);
    // three named, the rest counted
    assert.equal(results.winnerPending, 'No winner yet: sam seed 2 is queued; sam seed 3 is paused (2 of 3 epochs done); fsam seed 1 was stopped after 1 of 3 epochs (resume it to count it); and 2 more.');
    const onlyDiverged = comparisonResults(['sam', 'fsam'], 'sam', [runs[0]!, run('fsam', 1, 'diverged', [0.1])], [1]);
    assert.match(onlyDiverged.winnerPending!, /fsam seed 1 diverged after 1 of 3 epochs \(not counted\)/, 'a diverged run cannot be resumed');
  });

  test('paired differences use only the seeds where both runs completed', () => {
    const runs = [
      run('sam', 1, 'completed', [0.6, 0.7, 0.7]),
      run('sam', 2, 'completed', [0.6, 0.6, 0.6]),
      run('sam', 3, 'completed', [0.6, 0.6, 0.65]),
      run('fsam', 1, 'completed', [0.7, 0.74, 0.74]),
      run('fsam', 2, 'running', [0.99]),
      run('fsam', 3, 'interrupted', [0.2, 0.3]),
    ];
    const results = comparisonResults(['sam', 'fsam'], 'sam', runs, [1, 2, 3]);
    const final = results.differences.find((d) => d.metric === 'finalTestAccuracy')!;
    assert.equal(final.pairs, 1, 'seed 1 only');
    close(final.meanDifference, 0.04, 1e-12, 'Δ of seed 1');
    assert.equal(final.low, null);
    assert.equal(results.arms[1]!.finalTestAccuracy!.count, 1);
    close(results.arms[1]!.finalTestAccuracy!.mean, 0.74, 1e-12, 'fsam final over its completed run');
    assert.equal(results.winner, null);
  });

  test('a winner only once every arm has a completed run of every paired seed', () => {
    const done = (arm: 'sam' | 'fsam', seed: number, accuracy: number) => run(arm, seed, 'completed', [accuracy - 0.1, accuracy - 0.05, accuracy]);
    const complete = [done('sam', 1, 0.7), done('sam', 2, 0.72), done('fsam', 1, 0.75), done('fsam', 2, 0.77)];
    const all = comparisonResults(['sam', 'fsam'], 'sam', complete, [1, 2]);
    assert.equal(all.winner, 'fsam');
    assert.equal(all.winnerPending, null);

    // fsam's seed-2 run was stopped: fsam leads on seed 1, but the seed is not complete
    const stopped = comparisonResults(['sam', 'fsam'], 'sam', [...complete.slice(0, 3), run('fsam', 2, 'stopped', [0.6])], [1, 2]);
    assert.equal(stopped.winner, null);
    assert.match(stopped.winnerPending!, /^No winner yet: fsam seed 2 was stopped after 1 of 3 epochs/);

    // a seed whose run is gone (deleted) has no result for that arm
    const missing = comparisonResults(['sam', 'fsam'], 'sam', complete.slice(0, 3), [1, 2]);
    assert.equal(missing.winner, null);
    assert.equal(missing.winnerPending, 'No winner yet: fsam has no run of seed 2.');

    // without the comparison's seeds, every seed a run has is paired: fsam's seed 3 has no sam partner
    const extra = comparisonResults(['sam', 'fsam'], 'sam', [...complete, done('fsam', 3, 0.9)]);
    assert.equal(extra.winner, null);
    assert.equal(extra.winnerPending, 'No winner yet: sam has no run of seed 3.');

    // a resumed run that completes counts at last
    const resumed = comparisonResults(['sam', 'fsam'], 'sam', [...complete.slice(0, 3), done('fsam', 2, 0.6)], [1, 2]);
    assert.equal(resumed.winner, 'sam', 'the baseline can win once all is in: (0.70 + 0.72) / 2 > (0.75 + 0.60) / 2');
  });
});
