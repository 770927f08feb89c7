/**
 * A run's configuration: everything that decides what is trained and how. Validated here so the CLI, the
 * service API and stored runs all speak the same, checked language.
 */
import { z } from 'zod';
import { parseOrThrow } from '../validation.js';
import { augmentationEnabled, augmentationSchema } from '../data/augment.js';
import { labelNoiseSchema } from '../data/labelNoise.js';
import { augmentationDataMismatch, datasetSpecSchema, modelDataMismatch } from '../data/index.js';
import { modelNameSchema } from '../models/zoo.js';
import { optimizerConfigSchema } from '../optim/config.js';
import { scheduleSchema } from './schedule.js';

/** A whole-number setting whose every message names it as the form labels it, and its range ("Epochs must be at least 1"). */
function wholeNumber(field: string, min: number, max: number) {
  return z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });
}

export const trainConfigSchema = z.strictObject({
  data: datasetSpecSchema.default({ name: 'shapes10' }),
  model: modelNameSchema.default('cnn'),
  optimizer: optimizerConfigSchema,
  epochs: wholeNumber('Epochs', 1, 10_000).default(3),
  batchSize: wholeNumber('Batch size', 1, 8192).default(128),
  schedule: scheduleSchema.default({ kind: 'cosine' }),
  /** One seed decides the initial weights, the batch order and (later) augmentation: runs of one seed are paired. */
  seed: wholeNumber('Seed', 0, 2 ** 31 - 1).default(1),
  /** How many training examples to score at each epoch's end for train loss and accuracy (0: all). */
  trainEvalCount: wholeNumber('Train examples scored', 0, 10_000_000).default(2000),
  /** Synthetic noise on the training labels (absent: none). Drawn from the run's seed: paired across optimizers. */
  labelNoise: labelNoiseSchema.optional(),
  /** Training-time augmentation (absent: none). Drawn from (seed, step): paired across optimizers, exact on resume. */
  augmentation: augmentationSchema.optional(),
}).superRefine((config, context) => {
  // feature-vector data (CSV) fits only models that flatten their input; refused here, before a worker starts
  const mismatch = modelDataMismatch(config.model, config.data.name);
  if (mismatch !== undefined) context.addIssue({ code: 'custom', path: ['model'], message: mismatch });
  const augmentationMismatch = config.augmentation && augmentationEnabled(config.augmentation) ? augmentationDataMismatch(config.data.name) : undefined;
  if (augmentationMismatch !== undefined) context.addIssue({ code: 'custom', path: ['augmentation'], message: augmentationMismatch });
});
export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export function parseTrainConfig(input: unknown): TrainConfig {
  return parseOrThrow(trainConfigSchema, input, 'Invalid run configuration');
}
