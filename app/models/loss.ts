import * as tf from '@tensorflow/tfjs-core';

/** Mean softmax cross-entropy of integer labels (given one-hot) against logits. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHotLabels: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(oneHotLabels, logits) as tf.Scalar;
}
