import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { parseTrainConfig } from '../../app/training/config.js';
import { Trainer } from '../../app/training/trainer.js';
import type { OptimizerName } from '../../app/optim/config.js';
import { runToEnd, tinyConfig, tinyData } from '../support/training.js';

test('one seed gives every optimizer the same initial weights and the same batches', async () => {
  await initBackend();
  // With a vanishing learning rate the weights never move, so each step's loss depends only on the
  // initial weights and the batch: equal loss sequences mean equal weights and equal batch order.
  const lossesOf = async (name: OptimizerName, seed: number) => {
    const trainer = new Trainer(parseTrainConfig(tinyConfig({ seed, optimizer: { name, lr: 1e-30, momentum: 0, weightDecay: 0, rho: 1e-30 } })), tinyData);
    const { steps } = await runToEnd(trainer);
    trainer.dispose();
    return steps.map((s) => s.loss);
  };
  const sgd = await lossesOf('sgd', 11);
  assert.equal(sgd.length, 2 * Math.floor(384 / 32));
  assert.deepEqual(await lossesOf('sam', 11), sgd);
  assert.deepEqual(await lossesOf('fsam', 11), sgd);
  assert.notDeepEqual(await lossesOf('sgd', 12), sgd, 'another seed gives other weights or batches');
});

test('per-step metrics: F-SAM reports ‖m‖ and cos(g, m); SAM a perturbation of norm rho; SGD none', async () => {
  await initBackend();
  const collect = async (name: OptimizerName) => {
    const trainer = new Trainer(parseTrainConfig(tinyConfig({ epochs: 1, optimizer: { name, lr: 0.05, rho: 0.05 } })), tinyData);
    const result = await runToEnd(trainer);
    trainer.dispose();
    return result;
  };
  const fsam = await collect('fsam');
  for (const s of fsam.steps) {
    assert.ok(s.emaNorm! > 0 && Math.abs(s.gradientEmaCosine!) <= 1 + 1e-5, `step ${s.step}: ‖m‖ ${s.emaNorm}, cos ${s.gradientEmaCosine}`);
    assert.ok(Math.abs(s.perturbationNorm! - 0.05) < 1e-4);
    assert.ok(s.stepMs > 0 && s.samplesPerSecond > 0 && s.learningRate === 0.05);
  }
  assert.equal(fsam.steps[0]!.gradientEmaCosine, 1, 'on the first step m = g');
  const sgd = await collect('sgd');
  assert.ok(sgd.steps.every((s) => s.perturbedLoss === null && s.perturbationNorm === null && s.emaNorm === null));
  const epoch = sgd.events.find((e) => e.type === 'epoch');
  assert.ok(epoch && epoch.type === 'epoch');
  assert.equal(epoch.record.test.count, 96);
  assert.equal(epoch.record.test.confusion.flat().reduce((a, b) => a + b, 0), 96);
  assert.equal(sgd.summary.status, 'completed');
  assert.equal(sgd.summary.finalTestAccuracy, epoch.record.test.accuracy);
});

test('the number of live tensors does not grow over 200 steps of each optimizer', async () => {
  await initBackend();
  for (const name of ['sgd', 'sam', 'fsam'] as OptimizerName[]) {
    const trainer = new Trainer(parseTrainConfig(tinyConfig({ epochs: 17, optimizer: { name, lr: 0.01 } })), tinyData);
    const counts: number[] = [];
    const { steps } = await runToEnd(trainer, (event) => {
      if (event.type === 'step' && (event.record.step === 10 || event.record.step === 200)) counts.push(tf.memory().numTensors);
    });
    assert.ok(steps.length >= 200);
    assert.equal(counts[1], counts[0], `${name}: tensors at step 10 and step 200`);
    trainer.dispose();
  }
});

test('a run whose loss becomes NaN ends as diverged, naming the step', async () => {
  await initBackend();
  // 100 is the largest learning rate a config allows (app/optim/config.ts); on this set it diverges within a few steps
  const trainer = new Trainer(parseTrainConfig(tinyConfig({ optimizer: { name: 'sam', lr: 100, momentum: 0.9 } })), tinyData);
  const { summary } = await runToEnd(trainer);
  trainer.dispose();
  assert.equal(summary.status, 'diverged');
  assert.match(summary.message!, /became (NaN|infinite) at step \d+ \(epoch \d+\)/);
});

test('stop() ends the run between steps with status stopped', async () => {
  await initBackend();
  const trainer = new Trainer(parseTrainConfig(tinyConfig({ optimizer: { name: 'fsam', lr: 0.01 } })), tinyData);
  const { steps, summary } = await runToEnd(trainer, (event) => {
    if (event.type === 'step' && event.record.step === 4) trainer.stop();
  });
  trainer.dispose();
  assert.equal(summary.status, 'stopped');
  assert.equal(steps.length, 5);
  assert.equal(summary.steps, 5);
});

test('a batch larger than the data set is refused with what to do', () => {
  assert.throws(() => new Trainer(parseTrainConfig(tinyConfig({ batchSize: 1000, optimizer: { name: 'sgd', lr: 0.1 } })), tinyData), /lower batchSize/);
});

test('with augmentation and label noise, one seed still gives every optimizer the same batches', async () => {
  await initBackend();
  const extras = { labelNoise: { kind: 'symmetric', fraction: 0.4 }, augmentation: { crop: true, flip: true, cutout: true, cutoutSize: 6 } } as const;
  const lossesOf = async (name: OptimizerName, withExtras: boolean) => {
    const config = tinyConfig({ epochs: 1, optimizer: { name, lr: 1e-30, momentum: 0, weightDecay: 0, rho: 1e-30 }, ...(withExtras ? extras : {}) });
    const trainer = new Trainer(parseTrainConfig(config), tinyData);
    const { steps } = await runToEnd(trainer);
    trainer.dispose();
    return steps.map((s) => s.loss);
  };
  const sgd = await lossesOf('sgd', true);
  assert.deepEqual(await lossesOf('sam', true), sgd);
  assert.deepEqual(await lossesOf('fsam', true), sgd);
  const plain = await lossesOf('sgd', false);
  assert.ok(sgd.every((loss, i) => loss !== plain[i]), 'augmented, relabelled batches give other losses on every step');
});

test('label noise trains on the noisy labels and reports train accuracy against the clean ones too', async () => {
  await initBackend();
  const config = parseTrainConfig(tinyConfig({ epochs: 1, labelNoise: { kind: 'symmetric', fraction: 0.5 }, optimizer: { name: 'sgd', lr: 0.05 } }));
  const trainer = new Trainer(config, tinyData);
  const noise = trainer.labelNoise!;
  const differing = trainer.trainSplit.labels.filter((label, i) => label !== tinyData.train.labels[i]).length;
  assert.equal(noise.flipped, differing);
  assert.ok(differing > 0.4 * 384 && differing < 0.5 * 384, `${differing} of 384 labels differ`);
  assert.notEqual(trainer.trainSplit.labels, tinyData.train.labels, 'the data set keeps its clean labels');
  const { events } = await runToEnd(trainer);
  trainer.dispose();
  const epoch = events.find((e) => e.type === 'epoch');
  assert.ok(epoch && epoch.type === 'epoch');
  const { train, test: testEvaluation } = epoch.record;
  assert.equal(typeof train.cleanAccuracy, 'number');
  assert.ok(train.cleanAccuracy! >= 0 && train.cleanAccuracy! <= 1);
  assert.notEqual(train.cleanAccuracy, train.accuracy, 'with half the labels changed the two accuracies differ');
  assert.equal(testEvaluation.cleanAccuracy, undefined, 'test labels are clean: no second accuracy');

  const clean = new Trainer(parseTrainConfig(tinyConfig({ epochs: 1, optimizer: { name: 'sgd', lr: 0.05 } })), tinyData);
  assert.equal(clean.labelNoise, null);
  const cleanRun = await runToEnd(clean);
  clean.dispose();
  const cleanEpoch = cleanRun.events.find((e) => e.type === 'epoch');
  assert.ok(cleanEpoch && cleanEpoch.type === 'epoch' && cleanEpoch.record.train.cleanAccuracy === undefined);
});
