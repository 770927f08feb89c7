/** The analysis options' defaults and limits, checked at every boundary (service, CLI) with zod. */
import { z } from 'zod';
import type { AnalysisOptions } from '../domain/analysis.js';

const wholeNumber = (low: number, high: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(low, { error: `must be at least ${low}` })
    .max(high, { error: `must be at most ${high}` });

const positiveNumber = (high: number) =>
  z.number({ error: 'must be a number' }).positive({ error: 'must be greater than 0' }).max(high, { error: `must be at most ${high}` });

export const analysisOptionsSchema = z
  .object({
    rho: positiveNumber(10).default(0.05),
    batches: wholeNumber(1, 64).default(4),
    batchSize: wholeNumber(1, 2048).default(128),
    ascentSteps: wholeNumber(1, 100).default(5),
    powerIterations: wholeNumber(1, 500).default(20),
    tolerance: positiveNumber(1).default(1e-3),
    seed: wholeNumber(0, 2 ** 31 - 1).default(0),
    curvePoints: wholeNumber(3, 201).default(21),
    surfacePoints: wholeNumber(3, 51).default(11),
    range: positiveNumber(100).default(1),
    split: z.enum(['train', 'test'], { error: 'must be "train" or "test"' }).default('train'),
  })
  .strict();

export const analysisRequestSchema = analysisOptionsSchema.extend({
  runId: z.number({ error: 'must be a run id (a number)' }).int({ error: 'must be a whole number' }).positive({ error: 'must be a run id ≥ 1' }),
});

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = analysisOptionsSchema.parse({});
