import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { Network, TRAINING_PASS } from '../../app/models/network.js';
import { buildModelSpec } from '../../app/models/zoo.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { parseOptimizerConfig, type OptimizerName } from '../../app/optim/config.js';
import { TrainingOptimizer } from '../../app/optim/trainingOptimizer.js';
import { randomBatch } from '../support/tensors.js';

function movingStatistics(network: Network): number[][] {
  return network.movingStatistics().flatMap((s) => [Array.from(s.mean.dataSync()), Array.from(s.variance.dataSync())]);
}

for (const name of ['sam', 'fsam'] as OptimizerName[]) {
  test(`${name}: batch norm's moving statistics after a step equal those after the first pass alone`, async () => {
    await initBackend();
    const spec = buildModelSpec('cnn', [12, 12, 1], 4);
    const batch = randomBatch(7, 8, [12, 12, 1], 4);

    const firstPassOnly = new Network(spec, { seed: 5 });
    tf.tidy(() => {
      firstPassOnly.forward(firstPassOnly.parameters, batch.x, TRAINING_PASS);
    });
    const expected = movingStatistics(firstPassOnly);

    const stepped = new Network(spec, { seed: 5 });
    const before = movingStatistics(stepped);
    const optimizer = new TrainingOptimizer(parseOptimizerConfig({ name, lr: 0.1, rho: 0.5 }), stepped.parameters);
    optimizer.step((w, mode) => softmaxCrossEntropy(stepped.forward(w, batch.x, mode), batch.labels), 0.1).dispose();
    const after = movingStatistics(stepped);

    assert.notDeepEqual(after, before, 'the first pass did update the moving statistics');
    assert.deepEqual(after, expected, 'the perturbed pass left them untouched');
    for (const n of [firstPassOnly, stepped]) n.dispose();
    optimizer.dispose();
    tf.dispose([batch.x, batch.labels]);
  });
}
