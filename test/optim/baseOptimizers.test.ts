import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../app/engine/backend.js';
import { AdamW, SgdMomentum } from '../../app/optim/baseOptimizers.js';

/** Applies `steps` updates with the given gradients to one weight vector and returns its values. */
function run(optimizerFor: (w: tf.Variable[]) => { update: SgdMomentum['update']; dispose(): void }, start: number[], gradients: number[][], lr: number): number[] {
  const weight = tf.variable(tf.tensor1d(start));
  const optimizer = optimizerFor([weight]);
  for (const g of gradients) tf.tidy(() => optimizer.update([weight], [tf.tensor1d(g)], lr));
  const values = Array.from(weight.dataSync());
  optimizer.dispose();
  weight.dispose();
  return values;
}

function assertClose(actual: number[], expected: number[]): void {
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < 1e-6, `element ${i}: ${a} vs ${expected[i]}`));
}

test('SGD with Nesterov momentum and coupled weight decay follows torch.optim.SGD', async () => {
  await initBackend();
  const [lr, mu, wd] = [0.1, 0.9, 0.01];
  const gradients = [[1, -2], [0.5, 0.25], [-1, 1]];
  // by hand: d = g + wd·w; buf = mu·buf + d; step = d + mu·buf; w -= lr·step
  let w = [1, 2];
  let buf = [0, 0];
  for (const g of gradients) {
    const d = g.map((gi, i) => gi + wd * w[i]!);
    buf = buf.map((b, i) => mu * b + d[i]!);
    w = w.map((wi, i) => wi - lr * (d[i]! + mu * buf[i]!));
  }
  assertClose(run((weights) => new SgdMomentum(weights, mu, wd, true), [1, 2], gradients, lr), w);
  // and plain momentum differs from Nesterov on the same inputs
  const plain = run((weights) => new SgdMomentum(weights, mu, wd, false), [1, 2], gradients, lr);
  assert.ok(Math.abs(plain[0]! - w[0]!) > 1e-3);
});

test('AdamW decays the weights before the bias-corrected Adam step', async () => {
  await initBackend();
  const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
  const gradients = [[0.3], [-0.2], [0.1]];
  let w = 2;
  let m1 = 0;
  let m2 = 0;
  gradients.forEach(([g], k) => {
    w *= 1 - lr * wd;
    m1 = b1 * m1 + (1 - b1) * g!;
    m2 = b2 * m2 + (1 - b2) * g! * g!;
    w -= (lr / (1 - b1 ** (k + 1))) * m1 / (Math.sqrt(m2) / Math.sqrt(1 - b2 ** (k + 1)) + eps);
  });
  assertClose(run((weights) => new AdamW(weights, b1, b2, eps, wd), [2], gradients, lr), [w]);
});
