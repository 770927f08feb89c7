/**
 * One entry point for every data set a run can name. Specs arrive from the UI, the CLI and stored run
 * configs, so they are validated here and errors name the field or file and say what to do.
 */
import { z } from 'zod';
import { BUILTIN_DATASET_NAME, generateBuiltinDataset } from './builtin.js';
import { takeFirst } from './dataset.js';
import type { ImageDataset } from './dataset.js';
import { loadIdxDataset } from './idx.js';

export type { DataSplit, ImageDataset } from './dataset.js';
export { batchLabels, batchToFloat, classCounts } from './dataset.js';
export { BUILTIN_CLASS_NAMES, BUILTIN_DATASET_NAME, BUILTIN_DEFAULTS, describeBuiltinDataset, generateBuiltinDataset } from './builtin.js';
export { loadIdxDataset, readIdxFile, writeIdxFile } from './idx.js';

export const DATASET_NAMES = [BUILTIN_DATASET_NAME, 'idx'] as const;

const count = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be a whole number` })
    .min(1, { error: `${field} must be at least 1` })
    .max(1_000_000, { error: `${field} must be at most 1000000` });

export const datasetSpecSchema = z.strictObject({
  name: z.enum(DATASET_NAMES, { error: `name must be "${BUILTIN_DATASET_NAME}" (the built-in generated set) or "idx" (MNIST-format files in a folder)` }),
  /** idx: the folder holding the four IDX files. */
  path: z.string({ error: 'path must be a folder path (text)' }).min(1, { error: 'path must not be empty' }).optional(),
  /** shapes10: the generation seed (default 1). Ignored by idx. */
  seed: z.number({ error: 'seed must be a number' }).int({ error: 'seed must be a whole number' }).optional(),
  /** shapes10: how many examples to generate; idx: use only the first N examples of the file. */
  trainCount: count('trainCount').optional(),
  testCount: count('testCount').optional(),
  /** shapes10 only: image side in pixels (default 32) and channels (default 3). */
  size: z.number({ error: 'size must be a number' }).int({ error: 'size must be a whole number' }).min(8, { error: 'size must be at least 8 pixels' }).max(256, { error: 'size must be at most 256 pixels' }).optional(),
  channels: z.union([z.literal(1), z.literal(3)], { error: 'channels must be 1 (grey) or 3 (colour)' }).optional(),
});

export type DatasetSpec = z.infer<typeof datasetSpecSchema>;

/** Validates a spec from outside (IPC, CLI, a stored config); throws one message listing every bad field. */
export function parseDatasetSpec(input: unknown): DatasetSpec {
  const result = datasetSpecSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? `dataset.${issue.path.join('.')}` : 'dataset';
      return `${field}: ${issue.message}`;
    });
    throw new Error(`Invalid data set choice — ${problems.join('; ')}`);
  }
  const spec = result.data;
  if (spec.name === 'idx' && spec.path === undefined) {
    throw new Error('Invalid data set choice — dataset.path: the "idx" data set needs path, the folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz)');
  }
  return spec;
}

export async function loadDataset(input: DatasetSpec): Promise<ImageDataset> {
  const spec = parseDatasetSpec(input);
  if (spec.name === BUILTIN_DATASET_NAME) {
    return generateBuiltinDataset({
      seed: spec.seed,
      trainCount: spec.trainCount,
      testCount: spec.testCount,
      size: spec.size,
      channels: spec.channels,
    });
  }
  const dataset = await loadIdxDataset(spec.path!);
  for (const [field, split] of [['trainCount', 'train'], ['testCount', 'test']] as const) {
    const wanted = spec[field];
    if (wanted === undefined) continue;
    if (wanted > dataset[split].count) {
      throw new Error(`dataset.${field}: asked for ${wanted} examples but the ${split} files in ${spec.path} hold ${dataset[split].count}; lower ${field} or leave it out to use them all`);
    }
    dataset[split] = takeFirst(dataset[split], wanted);
  }
  if (spec.trainCount !== undefined || spec.testCount !== undefined) {
    dataset.source += ` (first ${dataset.train.count} train / ${dataset.test.count} test examples)`;
  }
  return dataset;
}
