/**
 * How flat a minimum is, measured on a loss of the parameter tensors: SAM sharpness (max over a ρ-ball by
 * projected gradient ascent), the top Hessian eigenvalue (power iteration on Hessian-vector products) and
 * the loss along filter-normalised random directions (Li et al. 2018). Everything here works on any
 * `Objective`, so the algorithms are tested on functions whose answers are known in closed form, and the
 * same code then measures a trained network (app/analysis/runAnalysis.ts).
 *
 * Hessian-vector products are central finite differences of gradients, (∇L(w+εv) − ∇L(w−εv)) / 2ε, not
 * double backprop: batch norm's hand-written gradient (app/models/batchNorm.ts) is not itself
 * differentiable, and ReLU networks' second derivative is zero almost everywhere, so a difference over a
 * small but finite ε is also the more meaningful curvature. test/analysis/landscape.test.ts checks it
 * against exact Hessians and against double backprop on a smooth network.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Random } from '../engine/random.js';
import { globalDot, globalNorm } from '../optim/tensorMath.js';

/** A scalar loss of the parameters; must be a pure function of them (no state updated). */
export type LossOf = (params: readonly tf.Tensor[]) => tf.Scalar;

const TINY = 1e-12;

/**
 * A loss that is the mean of parts (one per batch): each part is evaluated and differentiated in its own
 * tidy, so only one batch's activations are alive at a time.
 */
export class Objective {
  constructor(readonly parts: readonly LossOf[]) {
    if (parts.length === 0) throw new Error('An objective needs at least one part');
  }

  /** The mean loss at `params`, read back as a number (one asynchronous read per part: webgpu has no synchronous one). */
  async loss(params: readonly tf.Tensor[]): Promise<number> {
    let total = 0;
    for (const part of this.parts) total += await readScalar(tf.tidy(() => part(params)));
    return total / this.parts.length;
  }

  /** ∇ of the mean loss at `params`; the caller owns (disposes) the returned tensors. */
  gradient(params: readonly tf.Tensor[]): tf.Tensor[] {
    let sum: tf.Tensor[] | null = null;
    for (const part of this.parts) {
      const grads = tf.tidy(() => tf.grads((...args: tf.Tensor[]) => part(args))([...params]));
      if (sum === null) {
        sum = grads;
      } else {
        const previous: tf.Tensor[] = sum;
        sum = previous.map((s, i) => tf.add(s, grads[i]!));
        tf.dispose([...previous, ...grads]);
      }
    }
    const scale = 1 / this.parts.length;
    const mean = sum!.map((s) => tf.mul(s, scale));
    tf.dispose(sum!);
    return mean;
  }
}

/** w + Σ cᵢ·dᵢ per tensor (a new set of tensors; the caller disposes it). */
export function offset(params: readonly tf.Tensor[], terms: readonly { coefficient: number; direction: readonly tf.Tensor[] }[]): tf.Tensor[] {
  return tf.tidy(() => params.map((w, i) => terms.reduce((value, term) => (term.coefficient === 0 ? value : tf.add(value, tf.mul(term.direction[i]!, term.coefficient))), w as tf.Tensor)).map((t) => tf.clone(t)));
}

/**
 * A scalar's value, which it then disposes. Asynchronous: the webgpu backend has no synchronous read, and
 * on the others an async read costs the same.
 */
async function readScalar(scalar: tf.Tensor): Promise<number> {
  try {
    return (await scalar.data())[0]!;
  } finally {
    scalar.dispose();
  }
}

function normOf(tensors: readonly tf.Tensor[]): Promise<number> {
  return readScalar(tf.tidy(() => globalNorm(tensors)));
}

function dotOf(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): Promise<number> {
  return readScalar(tf.tidy(() => globalDot(a, b)));
}

/** x scaled to global norm `length`, `norm` being x's own (new tensors). */
function scaledTo(x: readonly tf.Tensor[], length: number, norm: number): tf.Tensor[] {
  return tf.tidy(() => x.map((t) => tf.mul(t, length / Math.max(norm, TINY))));
}

/** A Gaussian direction shaped like `params`, drawn from `random` (the same draws on every backend). */
export function gaussianLike(params: readonly tf.Tensor[], random: Random): tf.Tensor[] {
  return params.map((p) => {
    const values = new Float32Array(p.size);
    for (let i = 0; i < values.length; i++) values[i] = random.normal();
    return tf.tensor(values, p.shape);
  });
}

export interface SharpnessEstimate {
  /** max over the visited e (‖e‖ ≤ ρ) of L(w + e) − L(w): a lower bound of the true maximum. */
  sharpness: number;
  baseLoss: number;
  /** L(w + e) at the best e found. */
  perturbedLoss: number;
  /** Gradient-ascent steps taken, SAM's first one included (fewer than asked if the gradient vanished). */
  steps: number;
}

/**
 * SAM sharpness max_{‖e‖≤ρ} L(w+e) − L(w). Starts at SAM's own one-step answer e = ρ·g/‖g‖ (or a random
 * point on the sphere where the gradient vanishes, e.g. at an exact minimum), then takes `ascentSteps` − 1
 * more projected normalised gradient steps of length ρ: e ← Π_ρ(e + ρ·∇L(w+e)/‖∇L(w+e)‖). Ascent on a ball is not
 * monotone, so the best point visited is kept.
 */
export async function samSharpness(objective: Objective, params: readonly tf.Tensor[], options: { rho: number; ascentSteps: number; random: Random }): Promise<SharpnessEstimate> {
  const { rho, ascentSteps, random } = options;
  const baseLoss = await objective.loss(params);
  let perturbation: tf.Tensor[];
  {
    const gradient = objective.gradient(params);
    const norm = await normOf(gradient);
    if (norm > TINY) {
      perturbation = scaledTo(gradient, rho, norm);
    } else {
      const noise = gaussianLike(params, random);
      perturbation = scaledTo(noise, rho, await normOf(noise));
      tf.dispose(noise);
    }
    tf.dispose(gradient);
  }
  const lossAt = (e: readonly tf.Tensor[]) => lossAtOffset(objective, params, [{ coefficient: 1, direction: e }]);
  let best = await lossAt(perturbation);
  // the first step was SAM's (from w); each further one ascends from the current w + e
  let steps = 1;
  for (; steps < ascentSteps; steps++) {
    const shifted = offset(params, [{ coefficient: 1, direction: perturbation }]);
    const gradient = objective.gradient(shifted);
    tf.dispose(shifted);
    const norm = await normOf(gradient);
    if (!(norm > TINY)) {
      tf.dispose(gradient);
      break;
    }
    const stepped = tf.tidy(() => perturbation.map((e, i) => tf.add(e, tf.mul(gradient[i]!, rho / norm))));
    tf.dispose([...gradient, ...perturbation]);
    const length = await normOf(stepped);
    perturbation = length > rho ? scaledTo(stepped, rho, length) : stepped;
    if (perturbation !== stepped) tf.dispose(stepped);
    best = Math.max(best, await lossAt(perturbation));
  }
  tf.dispose(perturbation);
  return { sharpness: best - baseLoss, baseLoss, perturbedLoss: best, steps };
}

/** H·v by central differences of gradients, (∇L(w+εv) − ∇L(w−εv)) / 2ε. */
export function hessianVectorProduct(objective: Objective, params: readonly tf.Tensor[], vector: readonly tf.Tensor[], epsilon: number): tf.Tensor[] {
  const plus = offset(params, [{ coefficient: epsilon, direction: vector }]);
  const gradientPlus = objective.gradient(plus);
  tf.dispose(plus);
  const minus = offset(params, [{ coefficient: -epsilon, direction: vector }]);
  const gradientMinus = objective.gradient(minus);
  tf.dispose(minus);
  const product = tf.tidy(() => gradientPlus.map((g, i) => tf.div(tf.sub(g, gradientMinus[i]!), 2 * epsilon)));
  tf.dispose([...gradientPlus, ...gradientMinus]);
  return product;
}

export interface EigenvalueEstimate {
  /** The Rayleigh quotient vᵀHv of the last iterate (the eigenvalue of largest magnitude, sign included). */
  eigenvalue: number;
  iterations: number;
  converged: boolean;
  /** The estimate after each iteration, to show how it settled. */
  history: number[];
  /** Absolute finite-difference step used for Hessian-vector products. */
  epsilon: number;
}

/**
 * Power iteration: v ← Hv/‖Hv‖ from a seeded random unit v, estimate vᵀHv, until two successive estimates
 * differ by at most `tolerance`·|estimate| or `maxIterations` is reached. `epsilon` is relative to
 * max(1, ‖w‖), so the finite difference is a small step whatever the scale of the weights.
 */
export async function topHessianEigenvalue(
  objective: Objective,
  params: readonly tf.Tensor[],
  options: { maxIterations: number; tolerance: number; relativeEpsilon: number; random: Random; onIteration?: (iteration: number, estimate: number) => void },
): Promise<EigenvalueEstimate> {
  const epsilon = options.relativeEpsilon * Math.max(1, await normOf(params));
  const start = gaussianLike(params, options.random);
  let vector = scaledTo(start, 1, await normOf(start));
  tf.dispose(start);
  const history: number[] = [];
  let converged = false;
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    const product = hessianVectorProduct(objective, params, vector, epsilon);
    const estimate = await dotOf(vector, product);
    const norm = await normOf(product);
    history.push(estimate);
    options.onIteration?.(iteration, estimate);
    tf.dispose(vector);
    if (!(norm > TINY)) {
      // H·v = 0: v is in the null space; the estimate (0) is exact for it, but no better direction is known
      vector = product;
      break;
    }
    vector = scaledTo(product, 1, norm);
    tf.dispose(product);
    const previous = history[history.length - 2];
    if (previous !== undefined && Math.abs(estimate - previous) <= options.tolerance * Math.abs(estimate)) {
      converged = true;
      break;
    }
  }
  tf.dispose(vector);
  return { eigenvalue: history[history.length - 1] ?? 0, iterations: history.length, converged, history, epsilon };
}

/**
 * Li et al.'s filter-normalised direction: Gaussian, then each filter (the last axis of a kernel: a conv
 * filter's output channel or a dense layer's output neuron) scaled to the norm of the same filter of w.
 * Tensors of rank 1 — biases, batch norm's γ and β — get zero, as the paper's default ("ignore biasbn").
 */
export function filterNormalizedDirection(params: readonly tf.Tensor[], random: Random): tf.Tensor[] {
  const noise = gaussianLike(params, random);
  const direction = tf.tidy(() =>
    params.map((w, i) => {
      if (w.rank < 2) return tf.zerosLike(w);
      const filters = w.shape[w.rank - 1]!;
      const d = tf.reshape(noise[i]!, [-1, filters]);
      const weightNorms = tf.norm(tf.reshape(w, [-1, filters]), 'euclidean', 0);
      const directionNorms = tf.norm(d, 'euclidean', 0);
      return tf.reshape(tf.mul(d, tf.div(weightNorms, tf.add(directionNorms, 1e-10))), w.shape);
    }),
  );
  tf.dispose(noise);
  return direction;
}

/** Evenly spaced points from −range to range (an odd count includes 0 exactly). */
export function symmetricGrid(points: number, range: number): number[] {
  return Array.from({ length: points }, (_, i) => (points === 1 ? 0 : -range + (2 * range * i) / (points - 1)));
}

/** L(w + Σ cᵢ·dᵢ), the shifted weights freed once read. */
async function lossAtOffset(objective: Objective, params: readonly tf.Tensor[], terms: readonly { coefficient: number; direction: readonly tf.Tensor[] }[]): Promise<number> {
  const shifted = offset(params, terms);
  try {
    return await objective.loss(shifted);
  } finally {
    tf.dispose(shifted);
  }
}

/** L(w + α·d) for each α. */
export async function lossAlong(objective: Objective, params: readonly tf.Tensor[], direction: readonly tf.Tensor[], alphas: readonly number[], onPoint?: () => void): Promise<number[]> {
  const losses: number[] = [];
  for (const alpha of alphas) {
    losses.push(await lossAtOffset(objective, params, [{ coefficient: alpha, direction }]));
    onPoint?.();
  }
  return losses;
}

/** losses[j][i] = L(w + αᵢ·d₁ + βⱼ·d₂): rows by β, columns by α. */
export async function lossSurface(
  objective: Objective,
  params: readonly tf.Tensor[],
  first: readonly tf.Tensor[],
  second: readonly tf.Tensor[],
  alphas: readonly number[],
  betas: readonly number[],
  onPoint?: () => void,
): Promise<number[][]> {
  const rows: number[][] = [];
  for (const beta of betas) {
    const row: number[] = [];
    for (const alpha of alphas) {
      row.push(
        await lossAtOffset(objective, params, [
          { coefficient: alpha, direction: first },
          { coefficient: beta, direction: second },
        ]),
      );
      onPoint?.();
    }
    rows.push(row);
  }
  return rows;
}
