import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../app/engine/random.js';

/** A fixed random batch: normal inputs of the given per-example shape and labels uniform over the classes. */
export function randomBatch(seed: number, batchSize: number, inputShape: number[], classes: number): { x: tf.Tensor; labels: tf.Tensor2D; y: number[] } {
  const random = Random.stream(seed, 'test-batch');
  const size = batchSize * inputShape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, () => random.normal());
  const y = Array.from({ length: batchSize }, () => random.nextInt(classes));
  return {
    x: tf.tensor(values, [batchSize, ...inputShape]),
    labels: tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), classes) as tf.Tensor2D),
    y,
  };
}
