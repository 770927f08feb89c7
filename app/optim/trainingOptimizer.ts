/**
 * One optimizer for every variant: plain (sgd), SAM/ASAM and F-SAM share this step; only the perturbation
 * direction differs. The step is STUDIO.md's, to the letter:
 *   g = ∇L_B(w) (this pass may update batch norm's moving statistics)
 *   d = direction(g); e = perturbation(d)                     (skipped for plain sgd)
 *   u = ∇L_B(w + e) on the same batch (this pass must not touch the moving statistics)
 *   w ← base_step(w, u)
 * w + e is a separate tensor list passed to the loss, so w itself is never modified and needs no restoring.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZER_STEP_METRICS, type OptimizerMetricName } from '../domain/metrics.js';
import { PERTURBED_PASS, TRAINING_PASS, type ForwardMode } from '../models/network.js';
import { createBaseOptimizer, type BaseOptimizer, type OptimizerStateEntry } from './baseOptimizers.js';
import type { OptimizerConfig } from './config.js';
import {
  ExactFullGradientDirection,
  FriendlyDirection,
  FullGradientAverageDirection,
  GradientDirection,
  perturbationFor,
  type PerturbationDirection,
} from './perturbation.js';
import { globalNorm } from './tensorMath.js';

/** The loss on this step's batch as a function of the weights (passed in) and the forward mode. */
export type BatchLoss = (weights: readonly tf.Tensor[], mode: ForwardMode) => tf.Scalar;

/** The optimizer's per-step scalars by name (the `optimizer` rows of STEP_METRICS). */
type StepScalars = Record<OptimizerMetricName, tf.Scalar>;

/** Reads the packed step tensor's values back by name; NaN where a metric does not apply to the optimizer. */
export function unpackStepMetrics(values: ArrayLike<number>): Record<OptimizerMetricName, number> {
  return Object.fromEntries(OPTIMIZER_STEP_METRICS.map((name, i) => [name, values[i]!])) as Record<OptimizerMetricName, number>;
}

function pack(scalars: StepScalars): tf.Tensor1D {
  return tf.stack(OPTIMIZER_STEP_METRICS.map((name) => scalars[name])) as tf.Tensor1D;
}

export interface OptimizerState {
  tensors: { name: string; shape: number[]; values: Float32Array }[];
  counters: Record<string, number>;
}

function directionFor(config: OptimizerConfig, weights: readonly tf.Variable[]): PerturbationDirection | undefined {
  if (config.name === 'fsam') return new FriendlyDirection(weights, config.sigma, config.lambda);
  if (config.name !== 'sam') return undefined;
  switch (config.perturbation) {
    case 'batch':
      return new GradientDirection();
    case 'fullGradientEma':
      return new FullGradientAverageDirection(weights, config.lambda);
    case 'fullGradientExact':
      return new ExactFullGradientDirection(weights, config.fullGradientEvery);
  }
}

export class TrainingOptimizer {
  private readonly base: BaseOptimizer;
  private readonly direction: PerturbationDirection | undefined;

  constructor(
    readonly config: OptimizerConfig,
    private readonly weights: readonly tf.Variable[],
  ) {
    this.base = createBaseOptimizer(config, weights);
    this.direction = directionFor(config, weights);
  }

  /**
   * True when the next step (index `step`) perturbs along the exact full gradient and it is due: the caller
   * then computes ∇L over the training split at the current w and hands it to `setFullGradient` first.
   */
  needsFullGradient(step: number): boolean {
    return this.direction instanceof ExactFullGradientDirection && this.direction.needsFullGradient(step);
  }

  setFullGradient(gradients: readonly tf.Tensor[], step: number): void {
    if (!(this.direction instanceof ExactFullGradientDirection)) throw new Error('only the exact full-gradient direction takes a full gradient');
    this.direction.setFullGradient(gradients, step);
  }

  /**
   * One training step. Returns the step's scalars packed in one 1-D tensor (OPTIMIZER_STEP_METRICS order,
   * read back with unpackStepMetrics) so that the caller needs a single asynchronous download; the caller
   * disposes it.
   */
  step(batchLoss: BatchLoss, learningRate: number): tf.Tensor1D {
    return tf.tidy(() => {
      const first = tf.valueAndGrads((...w: tf.Tensor[]) => batchLoss(w, TRAINING_PASS))([...this.weights]);
      const gradientNorm = globalNorm(first.grads);
      const notApplicable = tf.scalar(Number.NaN);
      if (!this.direction) {
        this.base.update(this.weights, first.grads, learningRate);
        return pack({ loss: first.value, perturbedLoss: notApplicable, gradientNorm, perturbationNorm: notApplicable, emaNorm: notApplicable, gradientEmaCosine: notApplicable });
      }
      const { direction, emaNorm, gradientEmaCosine } = this.direction.next(first.grads);
      const perturbation = perturbationFor(direction, this.weights, this.config.rho, this.config.adaptive);
      const perturbed = this.weights.map((w, i) => tf.add(w, perturbation[i]!));
      const second = tf.valueAndGrads((...w: tf.Tensor[]) => batchLoss(w, PERTURBED_PASS))(perturbed);
      this.base.update(this.weights, second.grads, learningRate);
      return pack({
        loss: first.value,
        perturbedLoss: second.value,
        gradientNorm,
        perturbationNorm: globalNorm(perturbation),
        emaNorm: emaNorm ?? notApplicable,
        gradientEmaCosine: gradientEmaCosine ?? notApplicable,
      });
    });
  }

  private stateEntries(): OptimizerStateEntry[] {
    return [...this.base.stateVariables(), ...(this.direction?.stateVariables() ?? [])];
  }

  /** Everything the optimizer carries between steps (momentum, Adam moments, F-SAM's EMA, counters). */
  async readState(): Promise<OptimizerState> {
    return {
      tensors: await Promise.all(this.stateEntries().map(async ({ name, variable }) => ({ name, shape: [...variable.shape], values: (await variable.data()) as Float32Array }))),
      counters: { ...this.base.counters(), ...(this.direction?.counters() ?? {}) },
    };
  }

  restoreState(state: OptimizerState): void {
    const byName = new Map(state.tensors.map((t) => [t.name, t]));
    for (const { name, variable } of this.stateEntries()) {
      const saved = byName.get(name);
      if (!saved) throw new Error(`The checkpoint has no optimizer state "${name}"; it was saved by a different optimizer configuration`);
      tf.tidy(() => variable.assign(tf.tensor(saved.values, saved.shape)));
    }
    this.base.restoreCounters(state.counters);
    this.direction?.restoreCounters(state.counters);
  }

  dispose(): void {
    this.base.dispose();
    this.direction?.dispose();
  }
}
