/** Per-channel standardisation of inputs, with statistics measured once on the training split. */
import * as tf from '@tensorflow/tfjs-core';
import { exampleSize, type DataSplit } from '../data/dataset.js';

const MAX_EXAMPLES_MEASURED = 5000;

export class InputNormalizer {
  private readonly mean: tf.Tensor1D;
  private readonly inverseStd: tf.Tensor1D;

  constructor(
    readonly channelMean: number[],
    readonly channelStd: number[],
  ) {
    this.mean = tf.tensor1d(channelMean);
    this.inverseStd = tf.tensor1d(channelStd.map((s) => 1 / s));
  }

  /** Mean and standard deviation per channel (per feature for CSV data) of the first examples of `split`. */
  static measure(split: DataSplit, channels: number): InputNormalizer {
    const examples = Math.min(split.count, MAX_EXAMPLES_MEASURED);
    // tabular features are used as they are; pixels are scaled to [0, 1] as batchToFloat does
    const values = (split.features ?? split.images).subarray(0, examples * exampleSize(split));
    const scale = split.features !== undefined ? 1 : 1 / 255;
    const sum = new Float64Array(channels);
    const sumOfSquares = new Float64Array(channels);
    for (let i = 0; i < values.length; i++) {
      const value = values[i]! * scale;
      sum[i % channels] += value;
      sumOfSquares[i % channels] += value * value;
    }
    const perChannel = values.length / channels;
    const mean = Array.from(sum, (s) => s / perChannel);
    const std = Array.from(sumOfSquares, (s, c) => Math.sqrt(Math.max(s / perChannel - mean[c]! ** 2, 1e-12)) || 1);
    return new InputNormalizer(mean, std);
  }

  /** (x − mean) / std over the last axis. Call inside tf.tidy. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.mul(tf.sub(x, this.mean), this.inverseStd);
  }

  dispose(): void {
    this.mean.dispose();
    this.inverseStd.dispose();
  }
}
