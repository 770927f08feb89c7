/**
 * ANALYSIS_PASS (batch norm with moving statistics and a hand-written gradient) is plain inference: the same
 * logits and the same parameter gradients as tf.batchNorm's, on feature maps and on flat features.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { ANALYSIS_PASS, INFERENCE, Network, TRAINING_PASS } from '../../app/models/network.js';
import { parseModelSpec } from '../../app/models/spec.js';
import { buildModelSpec } from '../../app/models/zoo.js';
import { randomBatch } from '../support/tensors.js';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const scale = Math.max(1e-6, ...Array.from(expected, Math.abs));
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-4 * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

const models = [
  { name: 'cnn (batch norm on feature maps)', spec: buildModelSpec('cnn', [12, 12, 1], 4), inputShape: [12, 12, 1] },
  {
    name: 'dense with batch norm on flat features',
    spec: parseModelSpec({ inputShape: [6], layers: [{ type: 'dense', units: 5 }, { type: 'batchNorm' }, { type: 'relu' }, { type: 'dense', units: 4 }] }),
    inputShape: [6],
  },
];

for (const { name, spec, inputShape } of models) {
  test(`${name}: the analysis pass gives inference's logits and gradients`, async () => {
    await initBackend();
    const network = new Network(spec, { seed: 6 });
    // moving statistics away from their initial 0 and 1, as after training
    tf.tidy(() => {
      for (let i = 0; i < 3; i++) network.forward(network.parameters, tf.add(tf.mul(randomBatch(20 + i, 16, inputShape, 4).x, 2), 0.5), TRAINING_PASS);
    });
    const batch = randomBatch(30, 16, inputShape, 4);
    const loss = (mode: typeof INFERENCE) => (...params: tf.Tensor[]) => softmaxCrossEntropy(network.forward(params, batch.x, mode), batch.labels);
    const tensors = tf.memory().numTensors;
    const [plainLogits, fastLogits] = [INFERENCE, ANALYSIS_PASS].map((mode) => {
      const logits = tf.tidy(() => network.forward(network.parameters, batch.x, mode));
      const values = logits.dataSync();
      logits.dispose();
      return values;
    });
    close(fastLogits!, plainLogits!, 'logits');
    const plain = tf.tidy(() => tf.grads(loss(INFERENCE))(network.parameters));
    const fast = tf.tidy(() => tf.grads(loss(ANALYSIS_PASS))(network.parameters));
    plain.forEach((gradient, i) => close(fast[i]!.dataSync(), gradient.dataSync(), network.declarations[i]!.name));
    tf.dispose([...plain, ...fast]);
    assert.equal(tf.memory().numTensors, tensors, 'nothing left behind');
    tf.dispose([batch.x, batch.labels]);
    network.dispose();
  });
}
