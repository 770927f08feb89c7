/**
 * A training step on webgpu (Dawn; lavapipe where there is no GPU): after the first steps each step reads
 * the GPU once (the packed metrics), uploads only its batch (images and labels: scalar constants are shared,
 * app/engine/webgpuScalars.ts; layer constants are made once; Sum and Mean gradients make no CPU tensor,
 * app/engine/gradients.ts), compiles no new shader, and leaves the number of tensors and the GPU bytes in use
 * where they were — for sgd, sam and fsam, on ResNet-20 (batch norm, padded shortcuts, global pooling) and the
 * CNN (max pooling). (A schedule that changes the learning rate adds that one scalar per step.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { generateBuiltinDataset } from '../../app/data/builtin.js';
import { loadBackend } from '../../app/engine/backend.js';
import { countGpuTraffic, trafficBetween, type GpuTraffic } from '../../app/engine/webgpuTraffic.js';
import type { ModelName } from '../../app/models/zoo.js';
import type { OptimizerName } from '../../app/optim/config.js';
import { parseTrainConfig } from '../../app/training/config.js';
import { Trainer } from '../../app/training/trainer.js';
import { runToEnd } from '../support/training.js';

const skip = await loadBackend('webgpu').then(
  () => undefined,
  (error: Error) => `no webgpu adapter: ${error.message}`,
);
const traffic = skip === undefined ? countGpuTraffic(tf.backend()) : undefined;

/** Steps 0 and 1 compile the shaders (the first step of the momentum buffers too); from here on all is steady. */
const STEADY_FROM = 2;

interface StepRecord extends GpuTraffic {
  tensors: number;
  bytesInGpu: number;
}

const cases: { model: ModelName; size: number; channels: 1 | 3; steps: number }[] = [
  { model: 'resnet20', size: 32, channels: 3, steps: 6 },
  { model: 'cnn', size: 28, channels: 1, steps: 6 },
];

for (const { model, size, channels, steps } of cases) {
  for (const optimizer of ['sgd', 'sam', 'fsam'] as OptimizerName[]) {
    test(`${model} ${optimizer} on webgpu: one read and the batch's two uploads per step, no new shader, no growth`, { skip }, async () => {
      const batchSize = 4;
      const data = generateBuiltinDataset({ seed: 2, trainCount: batchSize * steps, testCount: batchSize, size, channels });
      const config = parseTrainConfig({ model, epochs: 1, batchSize, seed: 3, trainEvalCount: batchSize, schedule: { kind: 'constant' }, optimizer: { name: optimizer, lr: 0.05 } });
      const trainer = new Trainer(config, data);
      const records: StepRecord[] = [];
      let last = traffic!();
      await runToEnd(trainer, (event) => {
        if (event.type !== 'step') return;
        const now = traffic!();
        records.push({ ...trafficBetween(last, now), tensors: tf.memory().numTensors, bytesInGpu: (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? -1 });
        last = now;
      });
      trainer.dispose();
      assert.equal(records.length, steps);
      const steady = records.slice(STEADY_FROM);
      const summary = JSON.stringify(records);
      for (const record of steady) {
        assert.equal(record.downloads, 1, `one GPU read per step: ${summary}`);
        assert.equal(record.uploads, 2, `only the batch's images and labels are uploaded: ${summary}`);
        assert.equal(record.pipelines, 0, `no shader compiled after the first steps: ${summary}`);
        assert.equal(record.tensors, steady[0]!.tensors, `live tensors stay: ${summary}`);
        assert.equal(record.bytesInGpu, steady[0]!.bytesInGpu, `GPU bytes in use stay: ${summary}`);
      }
    });
  }
}

test('equal scalars share one upload on webgpu, keep their values when disposed, and survive a move to another backend', { skip }, async () => {
  assert.ok(await tf.setBackend('webgpu'));
  // a GPU-made operand, so that the products run on the GPU (tfjs-webgpu computes tiny CPU-only inputs on the CPU)
  const onGpu = tf.fill([256], 2);
  const before = traffic!();
  const first = tf.scalar(0.375);
  const second = tf.scalar(0.375);
  const sum = tf.add(tf.mul(onGpu, first), tf.mul(onGpu, second));
  assert.equal((await sum.data())[0], 1.5);
  assert.equal(trafficBetween(before, traffic!()).uploads, 1, 'one upload for two equal scalars');
  first.dispose();
  assert.equal((await second.data())[0], 0.375, 'the other tensor keeps the shared value');
  // moving the shared data to cpu takes it off webgpu; a new equal scalar there must be made anew
  await loadBackend('cpu');
  assert.equal((await tf.mul(second, 2).data())[0], 0.75);
  assert.ok(await tf.setBackend('webgpu'));
  const again = tf.scalar(0.375);
  assert.equal((await tf.mul(again, 4).data())[0], 1.5);
  tf.dispose([onGpu, second, sum, again]);
});
