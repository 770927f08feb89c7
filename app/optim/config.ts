/**
 * One flat optimizer configuration, the same vocabulary as the golden fixtures: a practitioner sets
 * `name` (sgd | sam | fsam), the base optimizer, and the few numbers that matter for each.
 */
import { z } from 'zod';
import { OPTIMIZER_NAMES } from '../domain/optimizers.js';
import { parseOrThrow } from '../validation.js';

export { OPTIMIZER_NAMES, type OptimizerName } from '../domain/optimizers.js';

/**
 * SAM's perturbation direction (name "sam" only): the batch gradient g (SAM itself), or, for the paper's
 * decomposition g = (g − m) + m, its full-gradient part alone — the EMA estimate m (F-SAM's rule), or the
 * exact gradient over the training split recomputed every `fullGradientEvery` steps. The noise part alone
 * is F-SAM with σ = 1.
 */
export const PERTURBATION_DIRECTIONS = ['batch', 'fullGradientEma', 'fullGradientExact'] as const;
export type PerturbationDirectionName = (typeof PERTURBATION_DIRECTIONS)[number];

/** A number setting with a practitioner's name for it in every message ("Learning rate (lr) must be …"). */
function setting(title: string) {
  return z.number({ error: `${title} must be a number` });
}

/**
 * Every number is bounded to a finite range a practitioner would use, with room to spare: a value far
 * outside it (lr 1e308) is a typo, refused when the run is configured rather than diverging at step 1.
 */
export const optimizerConfigSchema = z
  .strictObject({
    /** sgd: the base optimizer alone; sam: SAM (ASAM with adaptive); fsam: Friendly-SAM. */
    name: z.enum(OPTIMIZER_NAMES, { error: `optimizer must be one of ${OPTIMIZER_NAMES.map((name) => `"${name}"`).join(', ')}` }),
    base: z.enum(['sgd', 'adamw'], { error: 'The base optimizer must be "sgd" or "adamw"' }).default('sgd'),
    lr: setting('Learning rate (lr)')
      .gt(0, { error: 'Learning rate must be greater than 0' })
      .max(100, { error: 'Learning rate (lr) must be at most 100 (usual values: 0.01–0.5 with SGD, 0.0001–0.01 with AdamW)' }),
    momentum: setting('Momentum').min(0, { error: 'Momentum must be at least 0' }).max(1, { error: 'Momentum must be at most 1 (usually 0.9)' }).default(0.9),
    weightDecay: setting('Weight decay').min(0, { error: 'Weight decay must be at least 0' }).max(1, { error: 'Weight decay must be at most 1 (usually 5e-4 with SGD, 0.01–0.1 with AdamW)' }).default(5e-4),
    nesterov: z.boolean({ error: 'nesterov must be true or false' }).default(false),
    beta1: setting('AdamW beta1').min(0, { error: 'AdamW beta1 must be at least 0' }).lt(1, { error: 'AdamW beta1 must be less than 1 (usually 0.9)' }).default(0.9),
    beta2: setting('AdamW beta2').min(0, { error: 'AdamW beta2 must be at least 0' }).lt(1, { error: 'AdamW beta2 must be less than 1 (usually 0.999)' }).default(0.999),
    epsilon: setting('AdamW epsilon').gt(0, { error: 'AdamW epsilon must be greater than 0' }).max(1, { error: 'AdamW epsilon must be at most 1 (usually 1e-8)' }).default(1e-8),
    /** Radius of the perturbation ball. */
    rho: setting('Perturbation radius (rho)')
      .gt(0, { error: 'ρ (rho) must be greater than 0' })
      .max(10, { error: 'Perturbation radius (rho) must be at most 10 (usual values: 0.01–0.2 for SAM, 0.5–2 for ASAM)' })
      .default(0.05),
    /** F-SAM: how much of the EMA (the full-gradient estimate) is removed from the perturbation direction. */
    sigma: setting('F-SAM sigma').min(0, { error: 'F-SAM sigma must be at least 0' }).max(10, { error: 'F-SAM sigma must be at most 10 (usually 1)' }).default(1),
    /** F-SAM, and SAM along the full-gradient EMA: decay of the average of past mini-batch gradients. */
    lambda: setting('EMA decay (lambda)').min(0, { error: 'EMA decay (lambda) must be at least 0' }).lt(1, { error: 'λ (lambda) must be less than 1' }).default(0.6),
    /** ASAM: scale the perturbation by w² (element-wise), making it invariant to weight rescaling. */
    adaptive: z.boolean({ error: 'adaptive must be true or false' }).default(false),
    /** SAM only: which part of the gradient the perturbation follows (see PERTURBATION_DIRECTIONS). */
    perturbation: z.enum(PERTURBATION_DIRECTIONS, { error: `perturbation must be one of ${PERTURBATION_DIRECTIONS.map((name) => `"${name}"`).join(', ')}` }).default('batch'),
    /** perturbation "fullGradientExact": steps between two computations of the full training gradient. */
    fullGradientEvery: setting('fullGradientEvery')
      .int({ error: 'fullGradientEvery must be a whole number of steps' })
      .min(1, { error: 'fullGradientEvery must be at least 1 step' })
      .max(1_000_000, { error: 'fullGradientEvery must be at most 1000000 steps' })
      .default(100),
  })
  .superRefine((config, context) => {
    if (config.perturbation !== 'batch' && config.name !== 'sam') {
      context.addIssue({ code: 'custom', path: ['perturbation'], message: `"${config.perturbation}" is a direction of SAM (name "sam"); ${config.name} perturbs along its own` });
    }
  });

export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;
export type OptimizerConfigInput = z.input<typeof optimizerConfigSchema>;

export function parseOptimizerConfig(input: unknown): OptimizerConfig {
  return parseOrThrow(optimizerConfigSchema, input, 'Invalid optimizer setting', 'optimizer');
}
