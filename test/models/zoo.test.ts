import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { Network, summarizeModel } from '../../app/models/network.js';
import { buildModelSpec, MODEL_NAMES, modelNameSchema, type ModelName } from '../../app/models/zoo.js';
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

test('ResNet-18, WideResNets and VGG-16-BN have the published CIFAR parameter counts', () => {
  const count = (name: ModelName, classes = 10) => summarizeModel(buildModelSpec(name, [32, 32, 3], classes)).parameterCount;
  // published: ResNet-18 (CIFAR) 11.17 M, WRN-16-4 2.75 M, WRN-28-10 36.5 M, VGG-16-BN (one dense layer) 14.7 M
  assert.equal(count('resnet18'), 11_173_962);
  assert.equal(count('resnet18', 100), 11_173_962 + 512 * 90 + 90);
  assert.equal(count('wrn16-4'), 2_748_890);
  assert.equal(count('wrn28-10'), 36_479_194);
  assert.equal(count('vgg16bn'), 14_728_266);
  // the SAM / F-SAM reference code's "WideResNet28x10" has one more block per stage: 34 layers, 46.2 M
  assert.equal(count('wrn34-10'), 46_160_474);
});

test('WideResNet names take any depth 6n + 4 and a width; others are refused with the rule', () => {
  assert.equal(modelNameSchema.safeParse('wrn40-2').success, true);
  assert.equal(summarizeModel(buildModelSpec('wrn40-2', [32, 32, 3], 10)).parameterCount > 2_000_000, true);
  const refused = modelNameSchema.safeParse('wrn27-10');
  assert.equal(refused.success, false);
  assert.match(refused.error!.issues[0]!.message, /depth 6n \+ 4/);
  assert.equal(modelNameSchema.safeParse('resnet19').success, false);
});

test('the layer summary gives every layer its output shape and parameters, blocks before their insides', () => {
  const summary = summarizeModel(buildModelSpec('resnet18', [32, 32, 3], 10));
  const top = summary.layers.filter((layer) => layer.depth === 0);
  assert.equal(top.reduce((sum, layer) => sum + layer.parameterCount, 0), summary.parameterCount);
  const blocks = top.filter((layer) => layer.type === 'residual');
  assert.equal(blocks.length, 8, 'four stages of two basic blocks');
  assert.deepEqual(blocks.map((b) => b.outputShape), [
    [32, 32, 64], [32, 32, 64], [16, 16, 128], [16, 16, 128], [8, 8, 256], [8, 8, 256], [4, 4, 512], [4, 4, 512],
  ]);
  const projections = summary.layers.filter((layer) => layer.name.includes('/shortcut/') && layer.type === 'conv2d');
  assert.deepEqual(projections.map((p) => p.detail), ['1×1 conv, 128 filters, stride 2, no bias', '1×1 conv, 256 filters, stride 2, no bias', '1×1 conv, 512 filters, stride 2, no bias']);
  const firstBlock = summary.layers.findIndex((layer) => layer.name === 'layer3');
  assert.equal(summary.layers[firstBlock + 1]!.name, 'layer3/body/layer0');
  assert.equal(summary.layers[firstBlock]!.parameterCount, 2 * (3 * 3 * 64 * 64 + 128));

  const vgg = summarizeModel(buildModelSpec('vgg16bn', [32, 32, 3], 10)).layers;
  assert.equal(vgg.filter((layer) => layer.type === 'conv2d').length, 13);
  assert.equal(vgg.filter((layer) => layer.type === 'maxPool2d').length, 5);
  assert.deepEqual(vgg.filter((layer) => layer.type === 'dense').map((l) => l.parameterCount), [512 * 10 + 10], 'a single dense head');
  // 28×28 reaches 1×1 after four pools; the fifth is left out rather than giving an empty map
  assert.equal(summarizeModel(buildModelSpec('vgg16bn', [28, 28, 1], 10)).layers.filter((layer) => layer.type === 'maxPool2d').length, 4);

  const wide = summarizeModel(buildModelSpec('wrn16-4', [32, 32, 3], 10)).layers.filter((layer) => layer.depth === 0 && layer.type === 'residual');
  assert.equal(wide.length, 6);
  assert.deepEqual(wide.map((b) => b.outputShape.at(-1)), [64, 64, 128, 128, 256, 256]);
  assert.equal(wide.map((b) => b.detail).filter((d) => d.includes('then relu')).length, 0, 'pre-activation: nothing after the sum');
});

for (const name of ['resnet18', 'wrn16-4', 'vgg16bn'] as ModelName[]) {
  test(`${name}: one forward and backward pass on two 32×32 images gives finite logits and a gradient for every parameter`, async () => {
    await initBackend();
    const network = new Network(buildModelSpec(name, [32, 32, 3], 10), { seed: 1 });
    const batch = randomBatch(2, 2, [32, 32, 3], 10);
    const before = tf.memory().numTensors;
    // the loss and each parameter's gradient norm, read back in one tensor
    const packed = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(network.forward(network.parameters, batch.x, { training: true, updateMovingStats: true }), batch.labels));
      assert.equal(Object.keys(grads).length, network.parameters.length);
      return tf.stack([value, ...network.parameters.map((p) => tf.norm(grads[p.name]!))]);
    });
    const [loss, ...norms] = [...(await packed.data())];
    packed.dispose();
    assert.ok(Number.isFinite(loss) && loss! > 0, `${name} loss ${loss}`);
    assert.ok(norms.every(Number.isFinite), 'every gradient is finite');
    assert.ok(norms.filter((n) => n > 0).length >= network.parameters.length - 1, 'all but at most one parameter get a gradient');
    assert.equal(tf.memory().numTensors, before, 'nothing leaked');
    network.dispose();
    tf.dispose([batch.x, batch.labels]);
  });
}
