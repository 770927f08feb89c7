/**
 * The sharpness-aware perturbation, with its direction as the pluggable part (as optax's contrib.sam):
 * SAM ascends along the mini-batch gradient; F-SAM along the gradient minus an EMA estimate of the full
 * gradient, i.e. along the batch-specific noise; the paper's decomposition adds SAM along the full-gradient
 * part alone (its EMA estimate, or the exact gradient over the training split). All share the same scaling
 * (plain or adaptive).
 */
import * as tf from '@tensorflow/tfjs-core';
import { zeroVariablesLike, type OptimizerStateEntry } from './baseOptimizers.js';
import { globalDot, globalNorm } from './tensorMath.js';

const NORM_EPSILON = 1e-12;

export interface DirectionResult {
  direction: tf.Tensor[];
  /** F-SAM only: ‖m‖ of the EMA the direction used, and cos(g, m). */
  emaNorm?: tf.Scalar;
  gradientEmaCosine?: tf.Scalar;
}

export interface PerturbationDirection {
  /** The ascent direction for this step's raw mini-batch gradient. May update the direction's state. Inside tf.tidy. */
  next(gradients: readonly tf.Tensor[]): DirectionResult;
  stateVariables(): OptimizerStateEntry[];
  counters(): Record<string, number>;
  restoreCounters(counters: Record<string, number>): void;
  dispose(): void;
}

/** SAM: the direction is the gradient itself. */
export class GradientDirection implements PerturbationDirection {
  next(gradients: readonly tf.Tensor[]): DirectionResult {
    return { direction: [...gradients] };
  }
  stateVariables(): OptimizerStateEntry[] {
    return [];
  }
  counters(): Record<string, number> {
    return {};
  }
  restoreCounters(): void {}
  dispose(): void {}
}

/**
 * Directions built on the running average m of past mini-batch gradients (F-SAM's estimate of the full
 * gradient), official code's order: on the first step m ← g and d = g; afterwards d is made from g and the
 * OLD m, then m ← λ·m_old + (1 − λ)·g with the raw g. m is per tensor, not zero-initialised, not
 * bias-corrected. Subclasses say only how d is made from g and m_old.
 */
abstract class GradientAverageDirection implements PerturbationDirection {
  private readonly ema: tf.Variable[];
  private initialized = false;

  constructor(
    weights: readonly tf.Variable[],
    private readonly lambda: number,
  ) {
    this.ema = zeroVariablesLike(weights);
  }

  /** d from this step's gradient and the average before this step's update. */
  protected abstract combine(gradients: readonly tf.Tensor[], previousAverage: readonly tf.Tensor[]): tf.Tensor[];

  next(gradients: readonly tf.Tensor[]): DirectionResult {
    if (!this.initialized) {
      this.initialized = true;
      gradients.forEach((g, i) => this.ema[i]!.assign(g));
      return { direction: [...gradients], emaNorm: globalNorm(gradients), gradientEmaCosine: tf.scalar(1) };
    }
    const emaNorm = globalNorm(this.ema);
    const gradientEmaCosine = tf.div(globalDot(gradients, this.ema), tf.add(tf.mul(globalNorm(gradients), emaNorm), NORM_EPSILON)) as tf.Scalar;
    // computed before m moves on: assign gives the variable new data, while these keep the old
    const direction = this.combine(gradients, this.ema);
    gradients.forEach((g, i) => {
      const m = this.ema[i]!;
      m.assign(tf.add(tf.mul(m, this.lambda), tf.mul(g, 1 - this.lambda)));
    });
    return { direction, emaNorm, gradientEmaCosine };
  }

  stateVariables(): OptimizerStateEntry[] {
    return this.ema.map((variable, i) => ({ name: `fsam-ema/${i}`, variable }));
  }

  counters(): Record<string, number> {
    return { fsamInitialized: this.initialized ? 1 : 0 };
  }

  restoreCounters(counters: Record<string, number>): void {
    this.initialized = counters.fsamInitialized === 1;
  }

  dispose(): void {
    for (const m of this.ema) m.dispose();
  }
}

/** F-SAM: d = g − σ·m_old, the batch-specific noise part of the gradient (σ = 1: exactly SAM's noise part). */
export class FriendlyDirection extends GradientAverageDirection {
  constructor(
    weights: readonly tf.Variable[],
    private readonly sigma: number,
    lambda: number,
  ) {
    super(weights, lambda);
  }

  protected combine(gradients: readonly tf.Tensor[], previousAverage: readonly tf.Tensor[]): tf.Tensor[] {
    return gradients.map((g, i) => tf.sub(g, tf.mul(previousAverage[i]!, this.sigma)));
  }
}

/**
 * SAM's full-gradient part, estimated: d = m_old, the part of g that F-SAM removes (g = (g − m_old) + m_old).
 * The paper's decomposition: perturbing along this component alone is what hurts generalisation.
 */
export class FullGradientAverageDirection extends GradientAverageDirection {
  protected combine(_gradients: readonly tf.Tensor[], previousAverage: readonly tf.Tensor[]): tf.Tensor[] {
    return previousAverage.map((m) => tf.clone(m));
  }
}

/**
 * SAM's full-gradient part, exactly: d = ∇L over the whole training split at w, recomputed every `every`
 * steps (step 0, every, 2·every, …) by the trainer (`setFullGradient`) and used unchanged in between.
 * The gradient and the step it was taken at are optimizer state, so a resumed run perturbs exactly alike.
 */
export class ExactFullGradientDirection implements PerturbationDirection {
  private readonly fullGradient: tf.Variable[];
  private computedAtStep = -1;

  constructor(
    weights: readonly tf.Variable[],
    private readonly every: number,
  ) {
    this.fullGradient = zeroVariablesLike(weights);
  }

  needsFullGradient(step: number): boolean {
    return this.computedAtStep < 0 || step - this.computedAtStep >= this.every;
  }

  setFullGradient(gradients: readonly tf.Tensor[], step: number): void {
    gradients.forEach((g, i) => this.fullGradient[i]!.assign(g));
    this.computedAtStep = step;
  }

  next(): DirectionResult {
    if (this.computedAtStep < 0) throw new Error('the exact full-gradient direction needs setFullGradient before its first step');
    return { direction: this.fullGradient.map((g) => tf.clone(g)) };
  }

  stateVariables(): OptimizerStateEntry[] {
    return this.fullGradient.map((variable, i) => ({ name: `full-gradient/${i}`, variable }));
  }

  counters(): Record<string, number> {
    return { fullGradientStep: this.computedAtStep };
  }

  restoreCounters(counters: Record<string, number>): void {
    this.computedAtStep = counters.fullGradientStep ?? -1;
  }

  dispose(): void {
    for (const g of this.fullGradient) g.dispose();
  }
}

/**
 * e = ρ·d / (‖d‖ + 1e-12), or for ASAM e = ρ·w²⊙d / (‖w⊙d‖ + 1e-12); norms over all tensors jointly.
 * Weight decay never enters e.
 */
export function perturbationFor(direction: readonly tf.Tensor[], weights: readonly tf.Tensor[], rho: number, adaptive: boolean): tf.Tensor[] {
  if (adaptive) {
    const scaled = direction.map((d, i) => tf.mul(weights[i]!, d));
    const scale = tf.div(rho, tf.add(globalNorm(scaled), NORM_EPSILON));
    return scaled.map((wd, i) => tf.mul(tf.mul(wd, weights[i]!), scale));
  }
  const scale = tf.div(rho, tf.add(globalNorm(direction), NORM_EPSILON));
  return direction.map((d) => tf.mul(d, scale));
}
