/**
 * Training-mode batch normalisation with a hand-written gradient.
 *
 * Why: tf.moments + tf.batchNorm differentiate through generic reductions over axes [0, 1, 2] and a tiled
 * broadcast, which on the wasm backend cost more than the convolutions (a Tile and a dozen Sums per layer,
 * each transposing its input first). Here every per-channel mean of a feature map is a global average pool
 * (XNNPACK, one pass over memory) followed by a tiny [1, N]·[N, C] product, and the backward pass is the
 * closed form
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))
 * which includes the gradient through the batch mean and variance (ordinary training-mode BN).
 *
 * Every per-channel scale-and-shift of a feature map (x − μ, γ·x̂ + β, and the backward pass's terms) is
 * one 1×1 depthwise convolution with a bias: on wasm XNNPACK does it in one vectorised pass, where a
 * broadcast Mul, Sub or Add over [N, H, W, C] by [C] is a scalar loop each. So the forward pass
 * computes y = x·(γ/σ) + (β − μ·γ/σ) directly and keeps x − μ (not x̂) for the backward pass, which is
 *   dx = dy·a + (x − μ)·b + c  with  a = γ/σ,  b = −a·mean(dy·x̂)/σ,  c = −a·mean(dy).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface BatchStatistics {
  mean: tf.Tensor1D;
  /** Biased batch variance (what normalisation uses). */
  variance: tf.Tensor1D;
  count: number;
}

/**
 * Per-channel mean over every axis but the last, as [C]. For feature maps, the mean of per-image spatial
 * means (equal-sized images, so exact); wasm's Sum over leading axes is ten times slower.
 */
function channelMeans(x: tf.Tensor, batchMeanRow: tf.Tensor2D): tf.Tensor1D {
  const channels = x.shape[x.shape.length - 1]!;
  const perExample =
    x.rank === 4
      ? tf.reshape(tf.avgPool(x as tf.Tensor4D, [x.shape[1]!, x.shape[2]!], 1, 'valid'), [x.shape[0]!, channels])
      : tf.reshape(x, [-1, channels]);
  return tf.reshape(tf.matMul(batchMeanRow, perExample as tf.Tensor2D), [channels]);
}

/**
 * x·scale + shift per channel (the last axis). For feature maps, a 1×1 depthwise convolution with a bias
 * (bit-identical to the multiply-add on wasm, a third of its time); otherwise broadcasting.
 */
function channelAffine(x: tf.Tensor, scale: tf.Tensor1D, shift?: tf.Tensor1D): tf.Tensor {
  if (x.rank !== 4) return shift ? tf.add(tf.mul(x, scale), shift) : tf.mul(x, scale);
  const channels = x.shape[3]!;
  return tf.fused.depthwiseConv2d({
    x: x as tf.Tensor4D, filter: tf.reshape(scale, [1, 1, channels, 1]), strides: 1, pad: 'valid', bias: shift,
  });
}

/**
 * Normalises x (channels last; rank 2 or 4) with its batch statistics, scales by gamma, shifts by beta.
 * `onStatistics` receives the batch mean and variance (for the moving averages) inside the caller's scope.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStatistics?: (statistics: BatchStatistics) => void,
): tf.Tensor {
  const channels = x.shape[x.shape.length - 1]!;
  const count = x.size / channels;
  const rows = x.rank === 4 ? x.shape[0]! : count;
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const batchMeanRow = tf.fill([1, rows], 1 / rows) as tf.Tensor2D;
    const mean = channelMeans(input, batchMeanRow);
    const centered = channelAffine(input, tf.onesLike(mean), tf.neg(mean));
    const variance = channelMeans(tf.square(centered), batchMeanRow);
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    onStatistics?.({ mean, variance, count });
    save([centered, inverseStd, scale, batchMeanRow]);
    const outputScale = tf.mul(scale, inverseStd) as tf.Tensor1D;
    const value = channelAffine(input, outputScale, tf.sub(offset, tf.mul(mean, outputScale)) as tf.Tensor1D);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xCentered, invStd, gammaSaved, meanRow] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D];
      const meanDy = channelMeans(dy, meanRow);
      const meanDyXHat = tf.mul(channelMeans(tf.mul(dy, xCentered), meanRow), invStd) as tf.Tensor1D;
      const dyScale = tf.mul(gammaSaved, invStd) as tf.Tensor1D;
      const centeredScale = tf.neg(tf.mul(dyScale, tf.mul(meanDyXHat, invStd))) as tf.Tensor1D;
      const dx = tf.add(channelAffine(dy, dyScale, tf.neg(tf.mul(dyScale, meanDy)) as tf.Tensor1D), channelAffine(xCentered, centeredScale));
      return [dx, tf.mul(meanDyXHat, count), tf.mul(meanDy, count)];
    };
    return { value, gradFunc };
  });
  return normalize(x, gamma, beta);
}

/**
 * Inference-mode batch norm (the moving statistics, which are constants here) with a hand-written gradient,
 * for analyses that differentiate a trained network many times: y = (x − μ)·γ/√(σ² + ε) + β, so
 *   dx = dy·γ/√(σ² + ε),  dγ = Σ dy·x̂,  dβ = Σ dy
 * with the sums done as in training (pools and a small product). tf.batchNorm's own gradient reduces over the
 * leading axes with wasm's slow Sum and costs more than the convolutions.
 */
export function batchNormInference(x: tf.Tensor, movingMean: tf.Tensor, movingVariance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const channels = x.shape[x.shape.length - 1]!;
  const count = x.size / channels;
  const rows = x.rank === 4 ? x.shape[0]! : count;
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const batchMeanRow = tf.fill([1, rows], 1 / rows) as tf.Tensor2D;
    const inverseStd = tf.rsqrt(tf.add(movingVariance, epsilon));
    const normalized = tf.mul(tf.sub(input, movingMean), inverseStd);
    save([normalized, inverseStd, scale, batchMeanRow]);
    const value = tf.add(tf.mul(normalized, scale), offset);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xHat, invStd, gammaSaved, meanRow] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D];
      const dx = tf.mul(dy, tf.mul(invStd, gammaSaved));
      return [dx, tf.mul(channelMeans(tf.mul(dy, xHat), meanRow), count), tf.mul(channelMeans(dy, meanRow), count)];
    };
    return { value, gradFunc };
  });
  return normalize(x, gamma, beta);
}
