/**
 * The study's time estimate: steps from the config (epochs × ⌊trainCount / batchSize⌋ per run, plus the
 * full-gradient passes of arms along the exact gradient), speed as the median of this store's completed
 * runs with the same model and batch size, and a plain "no measurement" or "unknown" otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunInfo } from '../../app/api/types.js';
import { describeEstimate, describeFullGradientCost, estimateStudy, fullGradientCosts, median } from '../../renderer/src/lib/studyEstimate.js';

const DEFAULTS = { model: 'cnn', epochs: 5, batchSize: 64 };
const CONFIG = { data: { name: 'shapes10', trainCount: 1000 }, model: 'mlp', epochs: 3, batchSize: 32, optimizer: { name: 'sam', lr: 0.05 } };
const ARMS = [{ label: 'SAM', optimizer: { name: 'sam' as const } }, { label: 'F-SAM', optimizer: { name: 'fsam' as const } }];

function run(status: RunInfo['status'], model: string, batchSize: number, stepsPerSecond: number | null): RunInfo {
  return { status, config: { model, batchSize }, stepsPerSecond } as unknown as RunInfo;
}

test('median of odd and even lists, none of an empty one', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

test('steps and speed from matching completed runs only', () => {
  const runs = [
    run('completed', 'mlp', 32, 10),
    run('completed', 'mlp', 32, 30),
    run('completed', 'mlp', 32, 20),
    run('completed', 'mlp', 64, 1000), // other batch size
    run('completed', 'cnn', 32, 1000), // other model
    run('running', 'mlp', 32, 1000), // not completed
    run('completed', 'mlp', 32, null),
  ];
  const estimate = estimateStudy({ config: CONFIG, arms: ARMS, cellsPerArm: 2 * 3, defaults: DEFAULTS, runs, concurrency: 1 });
  assert.equal(estimate.runs, 12);
  assert.equal(estimate.stepsPerRun, 3 * Math.floor(1000 / 32));
  assert.equal(estimate.totalSteps, 12 * 93);
  assert.equal(estimate.stepsPerSecond, 20);
  assert.equal(estimate.measuredRuns, 3);
  assert.equal(estimate.seconds, (12 * 93) / 20);
  assert.match(describeEstimate(estimate), /^12 runs \(93 steps each, 1,116 in all\): about 55\.8 s of training at 20\.0 steps\/s, the median of 3 completed runs of mlp with batch size 32; evaluation comes on top$/);
  const two = estimateStudy({ config: CONFIG, arms: ARMS, cellsPerArm: 6, defaults: DEFAULTS, runs, concurrency: 2 });
  assert.equal(two.seconds, (12 * 93) / 20 / 2, 'runs trained two at a time');
  assert.match(describeEstimate(two), /2 runs at a time/);
});

test('no matching run: no measurement yet; no trainCount: no steps; the defaults fill what the config omits', () => {
  const none = estimateStudy({ config: CONFIG, arms: ARMS, cellsPerArm: 1, defaults: DEFAULTS, runs: [run('completed', 'cnn', 32, 5)], concurrency: 1 });
  assert.equal(none.stepsPerSecond, null);
  assert.equal(none.seconds, null);
  assert.match(describeEstimate(none), /no measurement yet: no completed run of mlp with batch size 32/);
  const unknown = estimateStudy({ config: { model: 'mlp' }, arms: ARMS, cellsPerArm: 1, defaults: DEFAULTS, runs: [], concurrency: 1 });
  assert.equal(unknown.stepsPerRun, null);
  assert.equal(unknown.batchSize, 64, 'the default batch size');
  assert.match(describeEstimate(unknown), /does not state data\.trainCount/);
  const defaults = estimateStudy({ config: { data: { trainCount: 640 } }, arms: ARMS, cellsPerArm: 1, defaults: DEFAULTS, runs: [run('completed', 'cnn', 64, 4)], concurrency: 1 });
  assert.equal(defaults.stepsPerRun, 5 * 10);
  assert.equal(defaults.seconds, (2 * 50) / 4);
});

test('an arm along the exact full gradient: its cost is stated and counted', () => {
  const config = { ...CONFIG, data: { name: 'shapes10', trainCount: 3200 } };
  const arms = [ARMS[0]!, { label: 'exact', optimizer: { name: 'sam' as const, perturbation: 'fullGradientExact' as const, fullGradientEvery: 50 } }];
  const costs = fullGradientCosts(config, arms, 32);
  assert.deepEqual(costs, [{ arm: 'exact', every: 50, extraStepsPerStep: 3200 / (32 * 50) }]);
  assert.match(describeFullGradientCost(costs[0]!), /^exact: one pass over the training split every 50 steps ≈ 2\.0 extra steps per step \(\+200 % training time\)$/);
  const estimate = estimateStudy({ config, arms, cellsPerArm: 1, defaults: DEFAULTS, runs: [], concurrency: 1 });
  assert.equal(estimate.totalSteps, 300 + 300 * 3, 'the exact arm costs three times the steps');
  // set in the base config, it applies to every SAM arm that does not say otherwise, with the default K
  const base = fullGradientCosts({ optimizer: { name: 'sam', perturbation: 'fullGradientExact' } }, [{ label: 'a', optimizer: { name: 'sam' } }, { label: 'b', optimizer: { name: 'sam', perturbation: 'batch' } }], 32);
  assert.deepEqual(base, [{ arm: 'a', every: 100, extraStepsPerStep: null }]);
  assert.match(describeFullGradientCost(base[0]!), /state data\.trainCount/);
});
