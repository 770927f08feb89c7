/**
 * Training-mode batch normalisation with a hand-written gradient.
 *
 * Why: tf.moments + tf.batchNorm differentiate through generic reductions over axes [0, 1, 2] and a tiled
 * broadcast, which on the wasm backend cost more than the convolutions (a Tile and a dozen Sums per layer).
 * Here every per-channel reduction is one matrix product with a row of ones over the [N·H·W, C] view —
 * XNNPACK's fastest kernel — and the backward pass is the closed form
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − dβ/M − x̂·dγ/M)
 * which includes the gradient through the batch mean and variance (ordinary training-mode BN).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface BatchStatistics {
  mean: tf.Tensor1D;
  /** Biased batch variance (what normalisation uses). */
  variance: tf.Tensor1D;
  count: number;
}

/** Column sums of a [M, C] matrix as [1, C], by a product with a row of ones. */
function columnSums(ones: tf.Tensor2D, matrix: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(ones, matrix);
}

/**
 * Normalises x (any rank, channels last) with its batch statistics, scales by gamma and shifts by beta.
 * `onStatistics` receives the batch mean and variance (for the moving averages) inside the caller's scope.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStatistics?: (statistics: BatchStatistics) => void,
): tf.Tensor {
  const shape = x.shape;
  const channels = shape[shape.length - 1]!;
  const count = x.size / channels;
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const ones = tf.ones([1, count]) as tf.Tensor2D;
    const flat = tf.reshape(input, [count, channels]) as tf.Tensor2D;
    const mean = tf.div(columnSums(ones, flat), count);
    const centered = tf.sub(flat, mean) as tf.Tensor2D;
    const variance = tf.div(columnSums(ones, tf.square(centered) as tf.Tensor2D), count);
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    const normalized = tf.mul(centered, inverseStd) as tf.Tensor2D;
    onStatistics?.({ mean: tf.reshape(mean, [channels]), variance: tf.reshape(variance, [channels]), count });
    save([normalized, inverseStd, scale, ones]);
    const value = tf.reshape(tf.add(tf.mul(normalized, scale), offset), shape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xHat, invStd, gammaSaved, onesSaved] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor, tf.Tensor2D];
      const dyFlat = tf.reshape(dy, [count, channels]) as tf.Tensor2D;
      const dBeta = columnSums(onesSaved, dyFlat);
      const dGamma = columnSums(onesSaved, tf.mul(dyFlat, xHat) as tf.Tensor2D);
      const centeredGrad = tf.sub(tf.sub(dyFlat, tf.div(dBeta, count)), tf.mul(xHat, tf.div(dGamma, count)));
      const dx = tf.mul(centeredGrad, tf.mul(invStd, gammaSaved));
      return [tf.reshape(dx, shape), tf.reshape(dGamma, [channels]), tf.reshape(dBeta, [channels])];
    };
    return { value, gradFunc };
  });
  return normalize(x, gamma, beta);
}
