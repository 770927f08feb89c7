/**
 * What the service accepts from outside (IPC, WebSocket, CLI), checked before anything is done; a bad input
 * is refused with a ConfigError naming the field. Run configs themselves are checked by trainConfigSchema.
 */
import { z } from 'zod';
import { EPOCH_SERIES, EXPORT_FORMATS, STEP_SERIES, STUDY_EXPORT_FORMATS, STUDY_PARAMETERS } from './types.js';
import { labelNoiseSchema } from '../data/labelNoise.js';
import { modelNameSchema } from '../models/zoo.js';
import { DOWNLOADABLE_DATASETS } from '../data/download/catalog.js';

export const runIdSchema = z.number({ error: 'must be a run id (a number)' }).int({ error: 'must be a whole number' }).positive({ error: 'must be a run id ≥ 1' });
export const comparisonIdSchema = z.number({ error: 'must be a comparison id (a number)' }).int({ error: 'must be a whole number' }).positive({ error: 'must be ≥ 1' });

export const fileIdSchema = z.number({ error: 'must be a file id (a whole number ≥ 1)' }).int({ error: 'must be a file id (a whole number ≥ 1)' }).positive({ error: 'must be a file id (a whole number ≥ 1)' });

const nameSchema = z.string({ error: 'must be text' }).trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' });

/** Where a run trains: this machine, or the job queue the studio was given (app/queue). */
export const placementSchema = z.enum(['local', 'queue'], { error: 'must be "local" or "queue"' });

/** Settings' choice of where runs go; the URL itself is parsed by parseQueueUrl (app/queue/queueUrl.ts), which never echoes it. */
export const queueRequestSchema = z.object(
  {
    url: z.string({ error: 'must be a redis:// or rediss:// URL, or null to disconnect' }).max(2000, { error: 'must be at most 2000 characters' }).nullable().optional(),
    newRuns: placementSchema.optional(),
  },
  { error: 'must be { url?, newRuns? }' },
);

export const startRunSchema = z.object({
  name: nameSchema.optional(),
  config: z.unknown(),
  placement: placementSchema.optional(),
});

export const seriesRequestSchema = z.object({
  runIds: z.array(runIdSchema).min(1, { error: 'name at least one run' }).max(100, { error: 'at most 100 runs at once' }),
  series: z.array(z.enum([...STEP_SERIES, ...EPOCH_SERIES])).min(1, { error: 'name at least one series' }),
  maxPoints: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(3, { error: 'must be at least 3' }).max(1_000_000, { error: 'must be at most 1000000' }),
});

const seedsSchema = z
  .array(z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0).max(2 ** 31 - 1))
  .min(1, { error: 'give at least one seed' })
  .max(100, { error: 'at most 100 seeds' })
  .refine((seeds) => new Set(seeds).size === seeds.length, { error: 'each seed once' });

const armSchema = z.object({
  label: nameSchema.optional(),
  optimizer: z.record(z.string(), z.unknown(), { error: 'must be an object of optimizer fields' }),
});

export const newComparisonSchema = z.object({
  name: nameSchema,
  config: z.record(z.string(), z.unknown(), { error: 'must be a run config object' }),
  arms: z.array(armSchema).min(2, { error: 'a comparison needs at least two arms' }).max(20, { error: 'at most 20 arms' }),
  seeds: seedsSchema,
  baseline: nameSchema.optional(),
  placement: placementSchema.optional(),
});

export const studyIdSchema = z.number({ error: 'must be a study id (a number)' }).int({ error: 'must be a whole number' }).positive({ error: 'must be ≥ 1' });

/** Most runs one study may hold (arms × values × seeds): beyond this a grid is a mistake, not a plan. */
export const MAX_STUDY_RUNS = 500;

export const newStudySchema = z
  .object({
    name: nameSchema,
    config: z.record(z.string(), z.unknown(), { error: 'must be a run config object' }),
    arms: z.array(armSchema).min(1, { error: 'a study needs at least one arm' }).max(10, { error: 'at most 10 arms' }),
    axis: z
      .object({
        parameter: z.enum(STUDY_PARAMETERS, { error: `must be one of ${STUDY_PARAMETERS.join(', ')}` }),
        values: z
          .array(z.number({ error: 'must be a number' }).finite({ error: 'must be a finite number' }))
          .min(1, { error: 'give at least one value' })
          .max(20, { error: 'at most 20 values' })
          .refine((values) => new Set(values).size === values.length, { error: 'each value once' }),
      })
      .optional(),
    seeds: seedsSchema,
    baseline: nameSchema.optional(),
    preset: nameSchema.optional(),
    placement: placementSchema.optional(),
  })
  .refine((study) => study.arms.length * (study.axis?.values.length ?? 1) * study.seeds.length <= MAX_STUDY_RUNS, {
    error: `a study holds at most ${MAX_STUDY_RUNS} runs (arms × values × seeds)`,
    path: ['seeds'],
  });

export const subscribeOptionsSchema = z
  .object({ afterStep: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must be ≥ 0' }).optional() })
  .default({});

export const deleteComparisonOptionsSchema = z.object({ withRuns: z.boolean({ error: 'must be true or false' }).optional() }).default({});

export const describeModelSchema = z.object({
  model: modelNameSchema,
  inputShape: z
    .array(z.number({ error: 'must be numbers' }).int({ error: 'must be whole numbers' }).min(1, { error: 'must be ≥ 1' }).max(1024, { error: 'must be at most 1024' }), { error: 'must be [height, width, channels]' })
    .min(1, { error: 'give 1 to 3 sizes' })
    .max(3, { error: 'give 1 to 3 sizes' })
    .optional(),
  classes: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(2, { error: 'must be at least 2' }).max(100_000).optional(),
  data: z.unknown().optional(),
});

export const previewOptionsSchema = z
  .object({
    labelNoise: labelNoiseSchema.optional(),
    seed: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0).max(2 ** 31 - 1).default(1),
    perClass: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(32, { error: 'must be at most 32' }).default(8),
  })
  .default({ seed: 1, perClass: 8 });
export const downloadableDatasetSchema = z.enum(DOWNLOADABLE_DATASETS, { error: `must be one of ${DOWNLOADABLE_DATASETS.join(', ')} (the data sets that can be downloaded)` });
export { analysisRequestSchema } from '../analysis/options.js';

export const getAnalysesSchema = z.object({
  runIds: z.array(runIdSchema).min(1, { error: 'name at least one run' }).max(100, { error: 'at most 100 runs at once' }),
});

export const exportRunSchema = z.object({
  runId: runIdSchema,
  format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
});

export const exportComparisonSchema = z.object({ comparisonId: comparisonIdSchema });
export const exportStudySchema = z.object({ studyId: studyIdSchema, format: z.enum(STUDY_EXPORT_FORMATS, { error: `must be one of ${STUDY_EXPORT_FORMATS.join(', ')}` }) });
