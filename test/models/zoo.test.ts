import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { Network, summarizeModel } from '../../app/models/network.js';
import { buildModelSpec, MODEL_NAMES, type ModelName } from '../../app/models/zoo.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { parseOptimizerConfig } from '../../app/optim/config.js';
import { TrainingOptimizer } from '../../app/optim/trainingOptimizer.js';
import { randomBatch } from '../support/tensors.js';

test('parameter counts match the architectures', () => {
  // ResNet-20 with option-A shortcuts is He et al.'s 0.27 M; ResNet-56 their 0.85 M.
  assert.equal(summarizeModel(buildModelSpec('resnet20', [32, 32, 3], 10)).parameterCount, 269_722);
  assert.equal(summarizeModel(buildModelSpec('resnet56', [32, 32, 3], 10)).parameterCount, 853_018);
  // conv 3·3·1·32 + BN 64 + conv 3·3·32·64 + BN 128 + dense 3136·128 + 128 + dense 128·10 + 10
  assert.equal(summarizeModel(buildModelSpec('cnn', [28, 28, 1], 10)).parameterCount, 288 + 64 + 18_432 + 128 + 401_408 + 128 + 1_290);
  assert.equal(summarizeModel(buildModelSpec('mlp', [28, 28, 1], 10)).parameterCount, 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
});

test('a ResNet depth that is not 6n + 2 is refused with the rule', () => {
  assert.throws(() => buildModelSpec('resnet21' as ModelName, [32, 32, 3], 10), /6n \+ 2/);
});

const TRAINABLE: [ModelName, number[]][] = [
  ['mlp', [28, 28, 1]],
  ['cnn', [28, 28, 1]],
  ['resnet20', [32, 32, 3]],
];

for (const [name, inputShape] of TRAINABLE) {
  test(`${name} learns: a few F-SAM steps on one random batch lower its loss`, async (t) => {
    await initBackend();
    const network = new Network(buildModelSpec(name, inputShape, 10), { seed: 3 });
    // lr 0.02: at 0.1, batch norm over 16 random images makes the first steps overshoot on some batches
    const optimizer = new TrainingOptimizer(parseOptimizerConfig({ name: 'fsam', lr: 0.02, rho: 0.05 }), network.parameters);
    const batch = randomBatch(1, 16, inputShape, 10);
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      const metrics = optimizer.step((w, mode) => softmaxCrossEntropy(network.forward(w, batch.x, mode), batch.labels), 0.02);
      losses.push((await metrics.data())[0]!);
      metrics.dispose();
    }
    t.diagnostic(`${name}: loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
    assert.ok(losses.every(Number.isFinite), `losses are finite: ${losses}`);
    assert.ok(losses.at(-1)! < losses[0]! * 0.8, `${name} loss fell from ${losses[0]} to ${losses.at(-1)}`);
    optimizer.dispose();
    network.dispose();
    tf.dispose([batch.x, batch.labels]);
  });
}

test('every zoo model builds for 1-channel and 3-channel inputs', () => {
  for (const name of MODEL_NAMES) {
    for (const shape of [[28, 28, 1], [32, 32, 3]]) {
      assert.deepEqual(summarizeModel(buildModelSpec(name, shape, 7)).outputShape, [7]);
    }
  }
});
