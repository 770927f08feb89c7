/**
 * The sharpness algorithms on losses whose answers are known in closed form: a quadratic with a designed
 * Hessian (eigenvalues chosen, eigenvectors random), a linear network whose loss along a direction is
 * computed by hand, and the finite-difference Hessian-vector product against double backprop and against
 * second differences of the loss on real networks.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  filterNormalizedDirection,
  gaussianLike,
  hessianVectorProduct,
  lossAlong,
  lossSurface,
  Objective,
  samSharpness,
  symmetricGrid,
  topHessianEigenvalue,
  type LossOf,
} from '../../app/analysis/landscape.js';
import { networkLoss } from '../../app/analysis/runAnalysis.js';
import { initBackend } from '../../app/engine/backend.js';
import { Random } from '../../app/engine/random.js';
import { INFERENCE, Network } from '../../app/models/network.js';
import { parseModelSpec } from '../../app/models/spec.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { buildModelSpec } from '../../app/models/zoo.js';
import { globalDot } from '../../app/optim/tensorMath.js';
import { randomBatch } from '../support/tensors.js';

before(async () => {
  await initBackend();
});

const EIGENVALUES = [5, 2, 1, 0.5, 0.3, 0.1, 0];
const SHAPES = [[2, 2], [3]];

/** A random orthogonal matrix (Gram–Schmidt of Gaussian columns), as rows of numbers. */
function randomOrthogonal(n: number, random: Random): number[][] {
  const columns: number[][] = [];
  while (columns.length < n) {
    const v = Array.from({ length: n }, () => random.normal());
    for (const q of columns) {
      const dot = v.reduce((sum, x, i) => sum + x * q[i]!, 0);
      for (let i = 0; i < n; i++) v[i]! -= dot * q[i]!;
    }
    const norm = Math.hypot(...v);
    columns.push(v.map((x) => x / norm));
  }
  return columns;
}

/** L(w) = ½ (w − c)ᵀ A (w − c) over two tensors, A = Q diag(EIGENVALUES) Qᵀ. */
function quadratic(seed: number) {
  const random = Random.stream(seed, 'quadratic');
  const n = EIGENVALUES.length;
  const eigenvectors = randomOrthogonal(n, random);
  const matrix = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => eigenvectors.reduce((sum, q, k) => sum + EIGENVALUES[k]! * q[r]! * q[c]!, 0)));
  const center = Array.from({ length: n }, () => random.normal());
  const a = tf.tensor2d(matrix);
  const c = tf.tensor1d(center);
  const flat = (params: readonly tf.Tensor[]) => tf.concat(params.map((p) => tf.reshape(p, [-1])));
  const loss: LossOf = (params) =>
    tf.tidy(() => {
      const d = tf.reshape(tf.sub(flat(params), c), [n, 1]);
      return tf.mul(0.5, tf.sum(tf.mul(d, tf.matMul(a, d)))) as tf.Scalar;
    });
  /** Parameters at c + Σ tₖ·qₖ. */
  const at = (offsets: number[]) => {
    const w = center.map((x, i) => x + offsets.reduce((sum, t, k) => sum + t * eigenvectors[k]![i]!, 0));
    return [tf.tensor(w.slice(0, 4), SHAPES[0]), tf.tensor(w.slice(4), SHAPES[1])];
  };
  return { objective: new Objective([loss]), at, eigenvectors, dispose: () => tf.dispose([a, c]) };
}

test('power iteration on finite-difference Hessian-vector products finds the designed top eigenvalue', async () => {
  const q = quadratic(1);
  const params = q.at([0.3, -1, 2, 0, 0, 1, 0]);
  const before = tf.memory().numTensors;
  const estimate = await topHessianEigenvalue(q.objective, params, { maxIterations: 100, tolerance: 1e-6, relativeEpsilon: 1e-3, random: Random.stream(3, 'start') });
  assert.equal(tf.memory().numTensors, before, 'power iteration leaves no tensor behind');
  assert.ok(estimate.converged, `converged within 100 iterations (history ${estimate.history.join(', ')})`);
  assert.ok(Math.abs(estimate.eigenvalue - 5) < 5e-3, `top eigenvalue ${estimate.eigenvalue}, expected 5`);
  assert.equal(estimate.history.length, estimate.iterations);
  // with a cap of 2 iterations it does not claim convergence
  const capped = await topHessianEigenvalue(q.objective, params, { maxIterations: 2, tolerance: 1e-9, relativeEpsilon: 1e-3, random: Random.stream(3, 'start') });
  assert.equal(capped.iterations, 2);
  assert.equal(capped.converged, false);
  tf.dispose(params);
  q.dispose();
});

test('the Hessian-vector product of a quadratic is A·v', () => {
  const q = quadratic(2);
  const params = q.at([1, 1, 1, 1, 1, 1, 1]);
  // v = the second eigenvector, so A·v = 2·v
  const v2 = q.eigenvectors[1]!;
  const vector = [tf.tensor(v2.slice(0, 4), SHAPES[0]), tf.tensor(v2.slice(4), SHAPES[1])];
  const product = hessianVectorProduct(q.objective, params, vector, 1e-3 * 3);
  const values = product.flatMap((t) => Array.from(t.dataSync()));
  values.forEach((value, i) => assert.ok(Math.abs(value - 2 * v2[i]!) < 1e-3, `component ${i}: ${value} vs ${2 * v2[i]!}`));
  tf.dispose([...params, ...vector, ...product]);
  q.dispose();
});

test('SAM sharpness at a quadratic minimum is ½·λmax·ρ² (the ascent finds the top eigenvector)', async () => {
  const q = quadratic(3);
  const params = q.at([0, 0, 0, 0, 0, 0, 0]);
  const rho = 0.1;
  const before = tf.memory().numTensors;
  const estimate = await samSharpness(q.objective, params, { rho, ascentSteps: 40, random: Random.stream(4, 'sharpness') });
  assert.equal(tf.memory().numTensors, before, 'the ascent leaves no tensor behind');
  const expected = 0.5 * 5 * rho * rho;
  assert.ok(Math.abs(estimate.sharpness - expected) < 1e-3 * expected, `sharpness ${estimate.sharpness}, expected ${expected}`);
  assert.ok(Math.abs(estimate.baseLoss) < 1e-9);
  // one step from a random point on the sphere (no gradient at the minimum) is well short of the maximum
  const oneStep = await samSharpness(q.objective, params, { rho, ascentSteps: 1, random: Random.stream(4, 'sharpness') });
  assert.ok(oneStep.sharpness < 0.9 * expected, `a random direction gives ${oneStep.sharpness}, below ${expected}`);
  tf.dispose(params);
  q.dispose();
});

test('SAM sharpness where the gradient points along the top eigenvector is λ·t·ρ + ½·λ·ρ², already after SAM\'s one step', async () => {
  const q = quadratic(4);
  const t = 0.7;
  const rho = 0.05;
  const params = q.at([t, 0, 0, 0, 0, 0, 0]);
  const expected = 5 * t * rho + 0.5 * 5 * rho * rho;
  for (const ascentSteps of [1, 10]) {
    const estimate = await samSharpness(q.objective, params, { rho, ascentSteps, random: Random.stream(5, 'sharpness') });
    assert.ok(Math.abs(estimate.sharpness - expected) < 1e-4 * expected + 1e-6, `${ascentSteps} steps: ${estimate.sharpness} vs ${expected}`);
  }
  tf.dispose(params);
  q.dispose();
});

test('at a generic point the ascent improves on SAM\'s step and stays below the bound ρ‖g‖ + ½·λmax·ρ²', async () => {
  const q = quadratic(5);
  const offsets = [0.2, -0.5, 0.8, 1, -1, 0.4, 2];
  const params = q.at(offsets);
  const rho = 0.3;
  const gradientNorm = Math.hypot(...offsets.map((t, k) => EIGENVALUES[k]! * t));
  const bound = rho * gradientNorm + 0.5 * 5 * rho * rho;
  const one = await samSharpness(q.objective, params, { rho, ascentSteps: 1, random: Random.stream(6, 's') });
  const many = await samSharpness(q.objective, params, { rho, ascentSteps: 20, random: Random.stream(6, 's') });
  assert.ok(many.sharpness > one.sharpness, `20 steps (${many.sharpness}) beat one (${one.sharpness})`);
  assert.ok(many.sharpness <= bound + 1e-5, `${many.sharpness} ≤ ${bound}`);
  tf.dispose(params);
  q.dispose();
});

test('the loss along a direction of a linear softmax model equals the hand-computed cross-entropy', async () => {
  // logits z(α) = x·(W + α·D) = [1 + α, 1.5 − 2α] for x = [1, 2]; the label is class 0
  const network = new Network(
    { inputShape: [2], layers: [{ type: 'dense', units: 2, activation: 'linear', useBias: false }] },
    { initialWeights: new Map([['layer0/kernel', [0.5, -0.5, 0.25, 1]]]) },
  );
  const batch = { x: tf.tensor2d([[1, 2]]), oneHotLabels: tf.tensor2d([[1, 0]]) };
  const direction = [tf.tensor2d([[1, 0], [0, -1]])];
  const alphas = symmetricGrid(21, 1);
  assert.equal(alphas[10], 0);
  const losses = await lossAlong(new Objective([networkLoss(network, batch)]), network.parameters, direction, alphas);
  alphas.forEach((alpha, i) => {
    const z = [1 + alpha, 1.5 - 2 * alpha];
    const expected = Math.log(Math.exp(z[0]!) + Math.exp(z[1]!)) - z[0]!;
    assert.ok(Math.abs(losses[i]! - expected) < 1e-5, `α = ${alpha}: ${losses[i]} vs ${expected}`);
  });
  // the surface's row β = 0 is the curve; a zero second direction makes every row the curve
  const surface = await lossSurface(new Objective([networkLoss(network, batch)]), network.parameters, direction, [tf.zeros([2, 2])], alphas, [-1, 0, 1]);
  for (const row of surface) row.forEach((value, i) => assert.ok(Math.abs(value - losses[i]!) < 1e-6));
  tf.dispose([batch.x, batch.oneHotLabels, ...direction]);
  network.dispose();
});

test('a filter-normalised direction has each filter of the weights\' norm, zero on biases and batch norm, and depends only on the seed', () => {
  const network = new Network(buildModelSpec('cnn', [12, 12, 1], 4), { seed: 2 });
  const params = network.parameters;
  const first = filterNormalizedDirection(params, Random.stream(7, 'direction'));
  const again = filterNormalizedDirection(params, Random.stream(7, 'direction'));
  const other = filterNormalizedDirection(params, Random.stream(8, 'direction'));
  params.forEach((w, i) => {
    const d = first[i]!;
    const name = network.declarations[i]!.name;
    assert.deepEqual(Array.from(d.dataSync()), Array.from(again[i]!.dataSync()), `${name}: same seed, same direction`);
    if (w.rank < 2) {
      assert.ok(d.dataSync().every((x) => x === 0), `${name} (rank 1) is zero`);
      return;
    }
    assert.notDeepEqual(Array.from(d.dataSync()), Array.from(other[i]!.dataSync()), `${name}: another seed, another direction`);
    const filters = w.shape[w.rank - 1]!;
    const norms = (t: tf.Tensor) => Array.from(tf.tidy(() => tf.norm(tf.reshape(t, [-1, filters]), 'euclidean', 0)).dataSync());
    const weightNorms = norms(w);
    norms(d).forEach((n, f) => assert.ok(Math.abs(n - weightNorms[f]!) < 1e-4 * weightNorms[f]!, `${name} filter ${f}: ${n} vs ${weightNorms[f]}`));
  });
  tf.dispose([...first, ...again, ...other]);
  network.dispose();
});

test('double backprop is not available through the training loss on TF.js, which is why Hessian-vector products are finite differences', () => {
  const x = tf.tensor2d([[0.3, -0.2, 0.5]]);
  const labels = tf.tensor2d([[1, 0, 0]]);
  const loss = (w: tf.Tensor) => softmaxCrossEntropy(tf.matMul(x, w as tf.Tensor2D), labels);
  const w = tf.ones([3, 3]);
  assert.throws(() => tf.grad((inner: tf.Tensor) => tf.sum(tf.grad(loss)(inner)))(w), /Cannot compute gradient/);
  tf.dispose([x, labels, w]);
});

test('finite-difference Hessian-vector products equal double backprop on a smooth function where TF.js gets it right', () => {
  // TF.js's double backprop silently drops terms through ops whose gradient uses their saved output (tanh,
  // exp) and throws through softmax cross-entropy; matMul, sin, sub and square are differentiated correctly.
  const batch = randomBatch(9, 16, [5], 3);
  const loss: LossOf = ([w1, w2]) => tf.mean(tf.square(tf.sub(tf.matMul(tf.sin(tf.matMul(batch.x as tf.Tensor2D, w1 as tf.Tensor2D)), w2 as tf.Tensor2D), batch.labels))) as tf.Scalar;
  const random = Random.stream(3, 'weights');
  const shapes = [tf.zeros([5, 6]), tf.zeros([6, 3])];
  const params = gaussianLike(shapes, random);
  tf.dispose(shapes);
  const vector = gaussianLike(params, Random.stream(1, 'v'));
  const finite = hessianVectorProduct(new Objective([loss]), params, vector, 1e-3);
  const exact = tf.tidy(() => tf.grads((...w: tf.Tensor[]) => globalDot(tf.grads((...inner: tf.Tensor[]) => loss(inner))(w), vector))([...params]));
  const a = finite.flatMap((t) => Array.from(t.dataSync()));
  const b = exact.flatMap((t) => Array.from(t.dataSync()));
  const scale = Math.max(...b.map(Math.abs));
  assert.ok(scale > 1e-2, 'the curvature is not trivially zero');
  a.forEach((value, i) => assert.ok(Math.abs(value - b[i]!) < 2e-3 * scale, `component ${i}: ${value} vs ${b[i]}`));
  tf.dispose([...params, ...vector, ...finite, ...exact, batch.x, batch.labels]);
});

test('on a batch-norm network, vᵀHv from gradient differences equals the second difference of the loss', async () => {
  // tanh rather than ReLU: both differences then tend to the same curvature (a ReLU kink makes them differ by step size)
  const spec = parseModelSpec({
    inputShape: [12, 12, 1],
    layers: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'batchNorm' }, { type: 'tanh' }, { type: 'flatten' }, { type: 'dense', units: 4 }],
  });
  const network = new Network(spec, { seed: 4 });
  // moving statistics as a trained network has them, not the initial 0 and 1
  tf.tidy(() => {
    network.forward(network.parameters, tf.mul(randomBatch(11, 16, [12, 12, 1], 4).x, 3), { training: true, updateMovingStats: true });
  });
  const batch = randomBatch(10, 16, [12, 12, 1], 4);
  const objective = new Objective([networkLoss(network, { x: batch.x, oneHotLabels: batch.labels })]);
  const params = network.parameters;
  const raw = gaussianLike(params, Random.stream(2, 'v'));
  const norm = Math.sqrt(raw.reduce((sum, t) => sum + tf.tidy(() => tf.sum(tf.square(t))).dataSync()[0]!, 0));
  const vector = raw.map((t) => tf.div(t, norm));
  const product = hessianVectorProduct(objective, params, vector, 1e-2);
  const curvature = tf.tidy(() => globalDot(vector, product)).dataSync()[0]!;
  const h = 0.05;
  const [minus, zero, plus] = await lossAlong(objective, params, vector, [-h, 0, h]);
  const secondDifference = (plus! - 2 * zero! + minus!) / (h * h);
  assert.ok(Math.abs(curvature - secondDifference) < 0.05 * Math.abs(secondDifference) + 1e-3, `vᵀHv ${curvature} vs second difference ${secondDifference}`);
  tf.dispose([...raw, ...vector, ...product, batch.x, batch.labels]);
  network.dispose();
});
