/**
 * batchNormTraining (closed-form gradient, per-channel affine passes as 1×1 depthwise convolutions) against
 * the textbook composition tf.moments + tf.batchNorm differentiated by TF.js itself, on cpu and on wasm:
 * the output, dx, dγ and dβ, and the batch statistics handed to onStatistics.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../../app/engine/backend.js';
import { batchNormTraining } from '../../app/models/batchNorm.js';

const TOLERANCE = 2e-5;
const EPSILON = 1e-5;

/** Deterministic values in [-1, 1) (an LCG), scaled and shifted so the channels are not already normalised. */
function seeded(size: number, seed: number, scale = 1, shift = 0): Float32Array {
  let state = (seed * 2654435761) >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 31 - 1) * scale + shift;
  }
  return out;
}

function largestRelativeDifference(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  return Number.isNaN(worst) ? Infinity : worst;
}

before(async () => {
  await loadBackend('cpu');
  await loadBackend('wasm');
});

const SHAPES: number[][] = [[6, 5, 7, 12], [3, 4, 4, 3], [16, 9]];

describe('batch norm in training mode equals tf.moments + tf.batchNorm under autodiff', () => {
  for (const backend of ['cpu', 'wasm']) {
    for (const shape of SHAPES) {
      test(`${backend}: x [${shape.join(',')}]`, async () => {
        assert.ok(await tf.setBackend(backend));
        const channels = shape[shape.length - 1]!;
        const size = shape.reduce((a, b) => a * b, 1);
        const results = tf.tidy(() => {
          const x = tf.tensor(seeded(size, 1, 2, 0.7), shape);
          const gamma = tf.tensor1d(seeded(channels, 2, 0.5, 1));
          const beta = tf.tensor1d(seeded(channels, 3));
          const upstream = tf.tensor(seeded(size, 4), shape); // the loss is Σ upstream ⊙ y
          const axes = shape.slice(0, -1).map((_, i) => i);
          const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
            const { mean, variance } = tf.moments(a, axes);
            return tf.batchNorm(a, mean, variance, b, g, EPSILON);
          };
          let statistics: tf.Tensor[] = [];
          const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            batchNormTraining(a, g, b, EPSILON, ({ mean, variance }) => {
              statistics = [tf.keep(mean.clone()), tf.keep(variance.clone())];
            });
          const run = (f: typeof reference) => {
            const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b), upstream)));
            return [f(x, gamma, beta), ...grads([x, gamma, beta])];
          };
          const expected = run(reference);
          const actual = run(ours);
          const moments = tf.moments(x, axes);
          return { expected, actual, statistics: [...statistics, moments.mean, moments.variance] };
        });
        ['y', 'dx', 'dγ', 'dβ'].forEach((name, i) => {
          const err = largestRelativeDifference(results.actual[i]!.dataSync() as Float32Array, results.expected[i]!.dataSync() as Float32Array);
          assert.ok(err <= TOLERANCE, `${name} differs from the reference by ${err.toExponential(2)} (relative)`);
        });
        const [mean, variance, referenceMean, referenceVariance] = results.statistics as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        assert.ok(largestRelativeDifference(mean.dataSync() as Float32Array, referenceMean.dataSync() as Float32Array) <= TOLERANCE, 'batch mean');
        assert.ok(largestRelativeDifference(variance.dataSync() as Float32Array, referenceVariance.dataSync() as Float32Array) <= TOLERANCE, 'batch variance');
        tf.dispose([...results.expected, ...results.actual, ...results.statistics]);
      });
    }
  }
});
