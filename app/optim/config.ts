/**
 * One flat optimizer configuration, the same vocabulary as the golden fixtures: a practitioner sets
 * `name` (sgd | sam | fsam), the base optimizer, and the few numbers that matter for each.
 */
import { z } from 'zod';
import { OPTIMIZER_NAMES } from '../domain/optimizers.js';
import { parseOrThrow } from '../validation.js';

export { OPTIMIZER_NAMES, type OptimizerName } from '../domain/optimizers.js';

export const optimizerConfigSchema = z.strictObject({
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
  /** F-SAM: EMA decay of past mini-batch gradients. */
  lambda: z.number().min(0).lt(1).default(0.6),
  /** ASAM: scale the perturbation by w² (element-wise), making it invariant to weight rescaling. */
  adaptive: z.boolean().default(false),
});

export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;
export type OptimizerConfigInput = z.input<typeof optimizerConfigSchema>;

export function parseOptimizerConfig(input: unknown): OptimizerConfig {
  return parseOrThrow(optimizerConfigSchema, input, 'Invalid optimizer setting', 'optimizer');
}
