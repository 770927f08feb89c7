/** Global (all tensors jointly) reductions the optimizers share. Call inside tf.tidy. */
import * as tf from '@tensorflow/tfjs-core';

export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar;
}

export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.sqrt(sumOfSquares(tensors));
}

export function globalDot(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): tf.Scalar {
  return tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i]!)))) as tf.Scalar;
}
