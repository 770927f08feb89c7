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

export const optimizerConfigSchema = z
  .strictObject({
    /** sgd: the base optimizer alone; sam: SAM (ASAM with adaptive); fsam: Friendly-SAM. */
    name: z.enum(OPTIMIZER_NAMES),
    base: z.enum(['sgd', 'adamw']).default('sgd'),
    lr: z.number().positive(),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(5e-4),
    nesterov: z.boolean().default(false),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    /** Radius of the perturbation ball. */
    rho: z.number().positive().default(0.05),
    /** F-SAM: how much of the EMA (the full-gradient estimate) is removed from the perturbation direction. */
    sigma: z.number().min(0).default(1),
    /** F-SAM, and SAM along the full-gradient EMA: decay of the average of past mini-batch gradients. */
    lambda: z.number().min(0).lt(1).default(0.6),
    /** ASAM: scale the perturbation by w² (element-wise), making it invariant to weight rescaling. */
    adaptive: z.boolean().default(false),
    /** SAM only: which part of the gradient the perturbation follows (see PERTURBATION_DIRECTIONS). */
    perturbation: z.enum(PERTURBATION_DIRECTIONS).default('batch'),
    /** perturbation "fullGradientExact": steps between two computations of the full training gradient. */
    fullGradientEvery: z.number().int().positive().default(100),
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
