/** A fixed random batch (normal inputs, uniform labels) for benchmarks and tests that need no data set. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../engine/random.js';

export interface RandomBatch {
  x: tf.Tensor;
  labels: tf.Tensor2D;
  y: number[];
}

export function randomBatch(seed: number, batchSize: number, inputShape: readonly number[], classes: number): RandomBatch {
  const random = Random.stream(seed, 'random-batch');
  const size = batchSize * inputShape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, () => random.normal());
  const y = Array.from({ length: batchSize }, () => random.nextInt(classes));
  return {
    x: tf.tensor(values, [batchSize, ...inputShape]),
    labels: tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), classes) as tf.Tensor2D),
    y,
  };
}
