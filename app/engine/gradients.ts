/**
 * Gradients the studio defines in place of TF.js's own, for every backend (the registry is global).
 *
 * Sum and Mean: TF.js multiplies the incoming gradient by `ones(x.shape)`, a tensor made on the CPU, which
 * on webgpu is one upload of the whole input's size per backward pass (the loss's sum and mean over the
 * batch, the global average pool over each feature map). Broadcasting the gradient itself gives the same
 * values — dy·1 is dy (then, for the mean, the same division) — computed where the tensor lives.
 */
import * as tf from '@tensorflow/tfjs-core';

/** dy, shaped as x with the reduced axes kept as 1, broadcast back to x's shape; and how many values each output reduced. */
function spreadOverReducedAxes(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): { spread: tf.Tensor; reduceSize: number } {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const expandedShape = x.shape.map((size, index) => (axes.includes(index) ? 1 : size));
  const reduceSize = axes.reduce((product, index) => product * x.shape[index]!, 1);
  return { spread: tf.broadcastTo(tf.reshape(dy, expandedShape), x.shape), reduceSize };
}

export function registerStudioGradients(): void {
  tf.registerGradient({
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => spreadOverReducedAxes(dy as tf.Tensor, x, (attrs as unknown as tf.SumAttrs).axis).spread };
    },
  });
  tf.registerGradient({
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { spread, reduceSize } = spreadOverReducedAxes(dy as tf.Tensor, x, (attrs as unknown as tf.MeanAttrs).axis);
      return { x: () => tf.div(spread, reduceSize) };
    },
  });
}
