/**
 * Base optimizers that apply the (sharpness-aware or plain) gradient to the weights. Their state lives in
 * tf.Variables and plain counters so that a checkpoint can save and restore it exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig } from './config.js';

export interface OptimizerStateEntry {
  name: string;
  variable: tf.Variable;
}

export interface BaseOptimizer {
  /** w ← step(w, u). Call inside tf.tidy. */
  update(weights: readonly tf.Variable[], gradients: readonly tf.Tensor[], learningRate: number): void;
  stateVariables(): OptimizerStateEntry[];
  counters(): Record<string, number>;
  restoreCounters(counters: Record<string, number>): void;
  dispose(): void;
}

export function zeroVariablesLike(weights: readonly tf.Variable[]): tf.Variable[] {
  return weights.map((w) => tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
}

/**
 * SGD with momentum (no dampening) and weight decay coupled into the gradient, as torch.optim.SGD:
 * d = u + wd·w; buf = μ·buf + d (buf starts at zero, so the first buf is d); w ← w − lr·(nesterov ? d + μ·buf : buf).
 */
export class SgdMomentum implements BaseOptimizer {
  private readonly buffers: tf.Variable[];

  constructor(
    weights: readonly tf.Variable[],
    private readonly momentum: number,
    private readonly weightDecay: number,
    private readonly nesterov: boolean,
  ) {
    this.buffers = momentum > 0 ? zeroVariablesLike(weights) : [];
  }

  update(weights: readonly tf.Variable[], gradients: readonly tf.Tensor[], learningRate: number): void {
    weights.forEach((w, i) => {
      let direction = this.weightDecay > 0 ? tf.add(gradients[i]!, tf.mul(w, this.weightDecay)) : gradients[i]!;
      if (this.momentum > 0) {
        const buffer = this.buffers[i]!;
        buffer.assign(tf.add(tf.mul(buffer, this.momentum), direction));
        direction = this.nesterov ? tf.add(direction, tf.mul(buffer, this.momentum)) : buffer;
      }
      w.assign(tf.sub(w, tf.mul(direction, learningRate)));
    });
  }

  stateVariables(): OptimizerStateEntry[] {
    return this.buffers.map((variable, i) => ({ name: `momentum/${i}`, variable }));
  }

  counters(): Record<string, number> {
    return {};
  }

  restoreCounters(): void {}

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}

/** AdamW: decoupled weight decay (w ← w·(1 − lr·wd) first), bias-corrected moments, as torch.optim.AdamW. */
export class AdamW implements BaseOptimizer {
  private readonly firstMoments: tf.Variable[];
  private readonly secondMoments: tf.Variable[];
  private stepCount = 0;

  constructor(
    weights: readonly tf.Variable[],
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
    private readonly weightDecay: number,
  ) {
    this.firstMoments = zeroVariablesLike(weights);
    this.secondMoments = zeroVariablesLike(weights);
  }

  update(weights: readonly tf.Variable[], gradients: readonly tf.Tensor[], learningRate: number): void {
    this.stepCount += 1;
    const stepSize = learningRate / (1 - this.beta1 ** this.stepCount);
    const secondCorrection = Math.sqrt(1 - this.beta2 ** this.stepCount);
    weights.forEach((w, i) => {
      const u = gradients[i]!;
      const m1 = this.firstMoments[i]!;
      const m2 = this.secondMoments[i]!;
      m1.assign(tf.add(tf.mul(m1, this.beta1), tf.mul(u, 1 - this.beta1)));
      m2.assign(tf.add(tf.mul(m2, this.beta2), tf.mul(tf.square(u), 1 - this.beta2)));
      const decayed = this.weightDecay > 0 ? tf.mul(w, 1 - learningRate * this.weightDecay) : w;
      const denominator = tf.add(tf.div(tf.sqrt(m2), secondCorrection), this.epsilon);
      w.assign(tf.sub(decayed, tf.mul(tf.div(m1, denominator), stepSize)));
    });
  }

  stateVariables(): OptimizerStateEntry[] {
    return [
      ...this.firstMoments.map((variable, i) => ({ name: `adam-m1/${i}`, variable })),
      ...this.secondMoments.map((variable, i) => ({ name: `adam-m2/${i}`, variable })),
    ];
  }

  counters(): Record<string, number> {
    return { adamStep: this.stepCount };
  }

  restoreCounters(counters: Record<string, number>): void {
    this.stepCount = counters.adamStep ?? 0;
  }

  dispose(): void {
    for (const v of [...this.firstMoments, ...this.secondMoments]) v.dispose();
  }
}

export function createBaseOptimizer(config: OptimizerConfig, weights: readonly tf.Variable[]): BaseOptimizer {
  return config.base === 'adamw'
    ? new AdamW(weights, config.beta1, config.beta2, config.epsilon, config.weightDecay)
    : new SgdMomentum(weights, config.momentum, config.weightDecay, config.nesterov);
}
