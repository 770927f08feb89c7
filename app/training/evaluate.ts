/** Scores a network on (part of) a data split in inference mode: loss, accuracy, per-class accuracy, confusion. */
import * as tf from '@tensorflow/tfjs-core';
import { batchToFloat, type DataSplit } from '../data/dataset.js';
import type { Network } from '../models/network.js';
import type { EpochEvaluation } from '../domain/metrics.js';
import type { InputNormalizer } from './normalize.js';

const EVAL_BATCH = 500;

/**
 * `cleanLabels`: the split's labels before label noise; when given, the accuracy against them is reported
 * too, so a run shows whether it learns the true classes or memorises the noisy ones.
 */
export async function evaluate(
  network: Network,
  normalizer: InputNormalizer,
  split: DataSplit,
  imageShape: number[],
  indices: ArrayLike<number>,
  cleanLabels?: Uint8Array,
): Promise<EpochEvaluation> {
  const classes = network.classCount;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const buffer = new Float32Array(Math.min(EVAL_BATCH, indices.length) * imageShape.reduce((a, b) => a * b, 1));
  let lossSum = 0;
  let correct = 0;
  let cleanCorrect = 0;
  for (let start = 0; start < indices.length; start += EVAL_BATCH) {
    const batchIndices = Array.prototype.slice.call(indices, start, Math.min(indices.length, start + EVAL_BATCH)) as number[];
    const labels = batchIndices.map((i) => split.labels[i]!);
    const pixels = batchToFloat(split, batchIndices, buffer);
    const scores = tf.tidy(() => {
      const x = normalizer.apply(tf.tensor(pixels, [batchIndices.length, ...imageShape]));
      const logits = network.predict(x);
      const labelTensor = tf.tensor1d(labels, 'int32');
      const perExampleLoss = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, tf.oneHot(labelTensor, classes)), 1));
      // one download per batch: the summed loss followed by the predicted classes
      return tf.concat([tf.reshape(tf.sum(perExampleLoss), [1]), tf.cast(tf.argMax(logits, 1), 'float32')]);
    });
    const values = await scores.data();
    scores.dispose();
    lossSum += values[0]!;
    labels.forEach((label, row) => {
      const predicted = values[row + 1]!;
      confusion[label]![predicted]! += 1;
      if (predicted === label) correct += 1;
      if (cleanLabels && predicted === cleanLabels[batchIndices[row]!]) cleanCorrect += 1;
    });
  }
  const perClassAccuracy = confusion.map((row, label) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[label]! / total;
  });
  const count = indices.length;
  const evaluation: EpochEvaluation = { loss: lossSum / count, accuracy: correct / count, count, perClassAccuracy, confusion };
  if (cleanLabels) evaluation.cleanAccuracy = cleanCorrect / count;
  return evaluation;
}
