/**
 * The paper's decomposition of SAM's perturbation, g = (g − m) + m, as directions: SAM along the full-gradient
 * part alone, estimated (F-SAM's EMA m) or exact (∇L over the training split every K steps). Hand-computed
 * directions, the full gradient against a one-shot gradient, and an exact resume of the exact direction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { generateBuiltinDataset } from '../../app/data/builtin.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { TRAINING_PASS } from '../../app/models/network.js';
import { parseOptimizerConfig } from '../../app/optim/config.js';
import { ExactFullGradientDirection, FullGradientAverageDirection } from '../../app/optim/perturbation.js';
import { TrainingOptimizer } from '../../app/optim/trainingOptimizer.js';
import type { TrainerCheckpoint } from '../../app/training/checkpoint.js';
import { parseTrainConfig, type TrainConfigInput } from '../../app/training/config.js';
import { Trainer } from '../../app/training/trainer.js';
import { ConfigError } from '../../app/validation.js';

const TOLERANCE = 1e-6;
const values = (tensors: readonly tf.Tensor[]): number[][] => tensors.map((t) => Array.from(t.dataSync()));

function assertCloseList(actual: number[][], expected: number[][], what: string, tolerance = TOLERANCE): void {
  actual.forEach((tensor, i) =>
    tensor.forEach((value, j) => assert.ok(Math.abs(value - expected[i]![j]!) <= tolerance, `${what}: tensor ${i}[${j}] is ${value}, expected ${expected[i]![j]}`)),
  );
}

test('SAM along the full-gradient EMA: d = g on the first step, then the average before this step’s update', async () => {
  await initBackend();
  const weights = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([1]))];
  const direction = new FullGradientAverageDirection(weights, 0.5);
  const steps = [[[2, 0], [1]], [[0, 4], [-1]], [[1, 1], [2]]].map((g) => tf.tidy(() => values(direction.next(g.map((x) => tf.tensor1d(x))).direction)));
  assertCloseList(steps[0]!, [[2, 0], [1]], 'step 1: m ← g1, d = g1');
  // d2 = m_old = g1 (the new m would be [1, 2], [0])
  assertCloseList(steps[1]!, [[2, 0], [1]], 'step 2: d = m_old');
  // m = 0.5·g1 + 0.5·g2 = [1, 2], [0]
  assertCloseList(steps[2]!, [[1, 2], [0]], 'step 3: d = m after step 2');
  direction.dispose();
  weights.forEach((w) => w.dispose());
});

test('SAM along the exact full gradient: due on step 0 and every K steps after, used unchanged in between', async () => {
  await initBackend();
  const weights = [tf.variable(tf.zeros([2]))];
  const direction = new ExactFullGradientDirection(weights, 3);
  assert.equal(direction.needsFullGradient(0), true, 'nothing computed yet');
  tf.tidy(() => direction.setFullGradient([tf.tensor1d([3, -4])], 0));
  assert.deepEqual([1, 2, 3, 4].map((step) => direction.needsFullGradient(step)), [false, false, true, true]);
  const d = tf.tidy(() => values(direction.next().direction));
  assert.deepEqual(d, [[3, -4]]);
  direction.dispose();
  weights[0]!.dispose();
});

test('the exact direction perturbs along the full gradient it was given: w ← w − lr·∇L(w + ρ·F/‖F‖)', async () => {
  await initBackend();
  // L(w) = Σ w⁴ / 4, ∇L = w³; the full gradient F is set by hand
  const [lr, rho] = [0.1, 0.2];
  const weight = tf.variable(tf.tensor1d([1, -0.5]));
  const optimizer = new TrainingOptimizer(parseOptimizerConfig({ name: 'sam', perturbation: 'fullGradientExact', fullGradientEvery: 10, lr, rho, momentum: 0, weightDecay: 0 }), [weight]);
  assert.equal(optimizer.needsFullGradient(0), true);
  tf.tidy(() => optimizer.setFullGradient([tf.tensor1d([0.6, 0.8])], 0));
  optimizer.step((w) => tf.div(tf.sum(tf.pow(w[0]!, 4)), 4) as tf.Scalar, lr).dispose();
  const perturbed = [1 + rho * 0.6, -0.5 + rho * 0.8];
  assertCloseList([Array.from(weight.dataSync())], [[1 - lr * perturbed[0]! ** 3, -0.5 - lr * perturbed[1]! ** 3]], 'w after the step');
  optimizer.dispose();
  weight.dispose();
});

test('full-gradient directions belong to SAM: on F-SAM or SGD the config is refused, naming the field', () => {
  for (const name of ['fsam', 'sgd'] as const) {
    assert.throws(() => parseOptimizerConfig({ name, lr: 0.1, perturbation: 'fullGradientEma' }), (error: Error) => error instanceof ConfigError && /optimizer\.perturbation/.test(error.message));
  }
  assert.equal(parseOptimizerConfig({ name: 'sam', lr: 0.1 }).perturbation, 'batch', 'SAM perturbs along the batch gradient by default');
});

const data = generateBuiltinDataset({ seed: 5, trainCount: 300, testCount: 40, size: 8, channels: 1 });

function exactConfig(overrides: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return { model: 'mlp', epochs: 2, batchSize: 32, seed: 3, trainEvalCount: 40, optimizer: { name: 'sam', lr: 0.05, rho: 0.1, perturbation: 'fullGradientExact', fullGradientEvery: 3 }, ...overrides };
}

test('the trainer’s full gradient is the mean gradient over every training example (chunks of 256 + 44 weighed by size)', async () => {
  await initBackend();
  const trainer = new Trainer(parseTrainConfig(exactConfig()), data);
  const chunked = await trainer.fullTrainingGradient();
  const oneShot = tf.tidy(() => {
    const x = trainer.normalizer.apply(tf.tensor(Array.from({ length: 300 }, (_, i) => i).flatMap((i) => Array.from(data.train.images!.subarray(i * 64, (i + 1) * 64), (v) => v / 255)), [300, 8, 8, 1]));
    const y = tf.oneHot(tf.tensor1d(Array.from(data.train.labels), 'int32'), data.classNames.length) as tf.Tensor2D;
    return tf.valueAndGrads((...w: tf.Tensor[]) => softmaxCrossEntropy(trainer.network.forward(w, x, TRAINING_PASS), y))([...trainer.network.parameters]).grads;
  });
  assertCloseList(values(chunked), values(oneShot), 'full gradient', 1e-5);
  tf.dispose([...chunked, ...oneShot]);
  trainer.dispose();
});

async function finalWeights(stopAfterStep?: number): Promise<number[][]> {
  let checkpoint: TrainerCheckpoint | undefined;
  const first = new Trainer(parseTrainConfig(exactConfig()), data);
  for await (const event of first.run()) {
    if (event.type === 'step' && event.record.step === stopAfterStep) first.stop();
    if (event.type === 'checkpoint') checkpoint = event.checkpoint;
  }
  if (stopAfterStep === undefined) {
    const weights = (await first.network.readWeights()).map((w) => Array.from(w.values));
    first.dispose();
    return weights;
  }
  first.dispose();
  const second = new Trainer(parseTrainConfig(exactConfig()), data);
  for await (const _ of second.run(checkpoint)) void _;
  const weights = (await second.network.readWeights()).map((w) => Array.from(w.values));
  second.dispose();
  return weights;
}

test('a run along the exact full gradient resumed from a checkpoint between two recomputations ends with the same weights, bit for bit', async () => {
  await initBackend();
  // full gradients at steps 0, 3, 6, …; stopping after step 4 resumes at step 5 with the one taken at step 3
  assert.deepEqual(await finalWeights(4), await finalWeights());
});
