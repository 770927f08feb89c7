/**
 * The sharpness-aware perturbation, with its direction as the pluggable part (as optax's contrib.sam):
 * SAM ascends along the mini-batch gradient; F-SAM along the gradient minus an EMA estimate of the full
 * gradient, i.e. along the batch-specific noise. Both then share the same scaling (plain or adaptive).
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
 * F-SAM (official code's order): on the first step m ← g and d = g; afterwards d = g − σ·m_old, then
 * m ← λ·m_old + (1 − λ)·g with the raw g. m is per tensor, not zero-initialised, not bias-corrected.
 */
export class FriendlyDirection implements PerturbationDirection {
  private readonly ema: tf.Variable[];
  private initialized = false;

  constructor(
    weights: readonly tf.Variable[],
    private readonly sigma: number,
    private readonly lambda: number,
  ) {
    this.ema = zeroVariablesLike(weights);
  }

  next(gradients: readonly tf.Tensor[]): DirectionResult {
    if (!this.initialized) {
      this.initialized = true;
      gradients.forEach((g, i) => this.ema[i]!.assign(g));
      return { direction: [...gradients], emaNorm: globalNorm(gradients), gradientEmaCosine: tf.scalar(1) };
    }
    const emaNorm = globalNorm(this.ema);
    const gradientEmaCosine = tf.div(globalDot(gradients, this.ema), tf.add(tf.mul(globalNorm(gradients), emaNorm), NORM_EPSILON)) as tf.Scalar;
    const direction = gradients.map((g, i) => tf.sub(g, tf.mul(this.ema[i]!, this.sigma)));
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
