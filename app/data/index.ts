/**
 * One entry point for every data set a run can name. Specs arrive from the UI, the CLI and stored run
 * configs, so they are validated here and errors name the field or file and say what to do.
 */
import { z } from 'zod';
import { BUILTIN_DATASET_NAME, describeBuiltinDataset, generateBuiltinDataset } from './builtin.js';
import { takeFirst } from './dataset.js';
import type { DatasetOutline, ImageDataset } from './dataset.js';
import { loadIdxDataset, probeIdxDataset } from './idx.js';
import { loadCifarDataset, probeCifarDataset } from './cifar.js';
import { loadCsvDataset, probeCsvDataset } from './csv.js';
import { CATALOG, isDownloadable } from './download/catalog.js';
import { readMarker, requireCachedDataset, resolveDataCache } from './download/cache.js';
import { DatasetFieldError } from './fileErrors.js';
import { DEFAULT_FOLDER_IMAGE_SIZE, loadImageFolderDataset, probeImageFolderDataset } from './imageFolder.js';

export type { DataSplit, DatasetOutline, ImageDataset } from './dataset.js';
export { DatasetFieldError } from './fileErrors.js';
export { batchLabels, batchToFloat, classCounts } from './dataset.js';
export { BUILTIN_CLASS_NAMES, BUILTIN_DATASET_NAME, BUILTIN_DEFAULTS, describeBuiltinDataset, generateBuiltinDataset } from './builtin.js';
export { loadIdxDataset, readIdxFile, writeIdxFile } from './idx.js';

export { loadCifarDataset } from './cifar.js';
export { loadCsvDataset } from './csv.js';
export { loadImageFolderDataset } from './imageFolder.js';

export const DATASET_NAMES = [BUILTIN_DATASET_NAME, 'idx', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'folder', 'csv'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** One line per data set name, for `info` and the service's info().datasets. */
export const DATASET_DESCRIPTIONS: Record<Exclude<DatasetName, typeof BUILTIN_DATASET_NAME>, string> = {
  idx: 'MNIST-format IDX files in a folder (path; e.g. Fashion-MNIST in /usr/share/datasets/fashion-mnist)',
  mnist: `${CATALOG.mnist.description}; downloaded (fsam-studio data get mnist) or IDX files at path`,
  'fashion-mnist': `${CATALOG['fashion-mnist'].description}; downloaded (fsam-studio data get fashion-mnist) or IDX files at path`,
  cifar10: `${CATALOG.cifar10.description}; downloaded (fsam-studio data get cifar10) or the binary batches at path`,
  cifar100: `${CATALOG.cifar100.description}; downloaded (fsam-studio data get cifar100) or train.bin/test.bin at path`,
  folder: 'Your images: one subfolder per class of PNG/JPEG files (or train/ and test/ holding those), resized to size×size',
  csv: 'A table: a CSV file (or a folder with train.csv and test.csv) of numeric feature columns and a label column; trains the mlp model',
};

/** Data sets whose examples are feature vectors, not images: only models that flatten their input can take them. */
export const FEATURE_DATASETS: readonly DatasetName[] = ['csv'];
/** The models that accept feature vectors ([1, 1, F] inputs). */
export const FEATURE_MODELS: readonly string[] = ['mlp'];

/** A message when `model` cannot train on data set `name`, else undefined. */
export function modelDataMismatch(model: string, name: string): string | undefined {
  if (FEATURE_DATASETS.includes(name as DatasetName) && !FEATURE_MODELS.includes(model)) {
    return `the ${model} model needs images, but a "${name}" data set holds feature vectors (one row of numbers per example); choose model ${FEATURE_MODELS.map((m) => `"${m}"`).join(' or ')}`;
  }
  return undefined;
}

/** Why augmentation cannot apply to the data set (crops, flips and cutout move pixels; feature vectors have none). */
export function augmentationDataMismatch(name: string): string | undefined {
  if (!FEATURE_DATASETS.includes(name as DatasetName)) return undefined;
  return `crop, flip and cutout work on images, but a "${name}" data set holds feature vectors; leave augmentation off`;
}

/** Names that need `path`, and what it should be. */
const PATH_NEEDED: Partial<Record<DatasetName, string>> = {
  idx: 'the folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz)',
  folder: 'the folder holding one subfolder of PNG/JPEG images per class (or train/ and test/ holding those)',
  csv: 'a .csv file, or a folder holding train.csv and test.csv',
};

const count = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be a whole number` })
    .min(1, { error: `${field} must be at least 1` })
    .max(1_000_000, { error: `${field} must be at most 1000000` });

export const datasetSpecSchema = z.strictObject({
  name: z.enum(DATASET_NAMES, { error: `name must be one of ${DATASET_NAMES.map((name) => `"${name}"`).join(', ')}` }),
  /** idx, folder, csv: where the files are; mnist, fashion-mnist, cifar10, cifar100: optional (default: the download cache). */
  path: z.string({ error: 'path must be a file or folder path (text)' }).min(1, { error: 'path must not be empty' }).optional(),
  /** shapes10: the generation seed (default 1); folder and csv without a given split: the split's seed. */
  seed: z.number({ error: 'seed must be a number' }).int({ error: 'seed must be a whole number' }).optional(),
  /** shapes10: how many examples to generate; idx: use only the first N examples of the file. */
  trainCount: count('trainCount').optional(),
  testCount: count('testCount').optional(),
  /** shapes10 and folder: image side in pixels (default 32) and channels (default 3). */
  size: z.number({ error: 'size must be a number' }).int({ error: 'size must be a whole number' }).min(8, { error: 'size must be at least 8 pixels' }).max(256, { error: 'size must be at most 256 pixels' }).optional(),
  channels: z.union([z.literal(1), z.literal(3)], { error: 'channels must be 1 (grey) or 3 (colour)' }).optional(),
  /** csv: the label column's name (default: the last column). */
  label: z.string({ error: 'label must be a column name (text)' }).min(1, { error: 'label must not be empty' }).optional(),
  /** folder and csv without a given split: the share of each class held out for testing (default 0.2). */
  testFraction: z
    .number({ error: 'testFraction must be a number' })
    .gt(0, { error: 'testFraction must be more than 0' })
    .max(0.9, { error: 'testFraction must be at most 0.9' })
    .optional(),
}).superRefine((spec, context) => {
  // refused when the run is configured, not later in its worker: the data sets read from files need to know where
  const needed = PATH_NEEDED[spec.name];
  if (needed !== undefined && spec.path === undefined) {
    context.addIssue({ code: 'custom', path: ['path'], message: `the "${spec.name}" data set needs path, ${needed}` });
  }
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
  return result.data;
}

/** The folder a spec's files are in: its path, or for a downloadable set named alone, the download cache's. */
function filesFolder(spec: DatasetSpec): string {
  if (spec.path !== undefined) return spec.path;
  if (isDownloadable(spec.name)) {
    const cache = resolveDataCache();
    // the name is what to change (or download): the form shows it there
    if (readMarker(cache, spec.name) === undefined) {
      try {
        requireCachedDataset(cache, spec.name);
      } catch (error) {
        throw new DatasetFieldError('name', (error as Error).message);
      }
    }
    return requireCachedDataset(cache, spec.name);
  }
  // the schema made sure the others have a path
  throw new DatasetFieldError('path', `the "${spec.name}" data set needs path`);
}

/** Reads the files a spec names (everything but the generated set). */
async function readFiles(spec: DatasetSpec): Promise<ImageDataset> {
  const name = spec.name;
  const folder = filesFolder(spec);
  switch (name) {
    case 'idx':
      return loadIdxDataset(folder);
    case 'mnist':
    case 'fashion-mnist':
      return loadIdxDataset(folder, { name, fashion: name === 'fashion-mnist' });
    case 'cifar10':
    case 'cifar100':
      return loadCifarDataset(folder, name);
    case 'folder':
      return loadImageFolderDataset(folder, { size: spec.size ?? DEFAULT_FOLDER_IMAGE_SIZE, channels: spec.channels, testFraction: spec.testFraction, seed: spec.seed });
    case 'csv':
      return loadCsvDataset(folder, { label: spec.label, testFraction: spec.testFraction, seed: spec.seed });
    default:
      throw new Error(`data set "${name}" has no reader`);
  }
}

/** What the files a spec names hold, from headers, sizes, listings (and one pass over a CSV). */
async function probeFiles(spec: DatasetSpec): Promise<DatasetOutline> {
  const name = spec.name;
  const folder = filesFolder(spec);
  switch (name) {
    case 'idx':
      return probeIdxDataset(folder);
    case 'mnist':
    case 'fashion-mnist':
      return probeIdxDataset(folder, { name, fashion: name === 'fashion-mnist' });
    case 'cifar10':
    case 'cifar100':
      return probeCifarDataset(folder, name);
    case 'folder':
      return probeImageFolderDataset(folder, { size: spec.size ?? DEFAULT_FOLDER_IMAGE_SIZE, channels: spec.channels, testFraction: spec.testFraction, seed: spec.seed });
    case 'csv':
      return probeCsvDataset(folder, { label: spec.label, testFraction: spec.testFraction, seed: spec.seed });
    default:
      throw new Error(`data set "${name}" has no reader`);
  }
}

/** trainCount and testCount against what the files hold; the split sizes a run will see. */
function keptCounts(spec: DatasetSpec, available: { train: number; test: number }): { train: number; test: number } {
  const where = spec.path ?? `the download cache's ${spec.name}`;
  const kept = { ...available };
  for (const [field, split] of [['trainCount', 'train'], ['testCount', 'test']] as const) {
    const wanted = spec[field];
    if (wanted === undefined) continue;
    if (wanted > available[split]) {
      throw new DatasetFieldError(field, `asked for ${wanted} examples but the ${split} files in ${where} hold ${available[split]}; lower ${field} or leave it out to use them all`);
    }
    kept[split] = wanted;
  }
  return kept;
}

/**
 * What loadDataset(spec) would give — classes, example shape, split sizes — found without loading it:
 * the file readers read headers and sizes, list folders, sniff each image's first bytes and make one pass
 * over a CSV. A problem throws: a DatasetFieldError naming the spec's field, or an Error about the files at
 * path (the field then is path). Messages name files and say what is wrong, never what they hold.
 */
export async function probeDataset(input: DatasetSpec): Promise<DatasetOutline> {
  const spec = parseDatasetSpec(input);
  if (spec.name === BUILTIN_DATASET_NAME) {
    const described = describeBuiltinDataset({ seed: spec.seed, trainCount: spec.trainCount, testCount: spec.testCount, size: spec.size, channels: spec.channels });
    return { name: described.name, classCount: described.classNames.length, imageShape: described.imageShape, trainCount: described.trainCount, testCount: described.testCount, source: described.title };
  }
  const outline = await probeFiles(spec);
  const kept = keptCounts(spec, { train: outline.trainCount, test: outline.testCount });
  return { ...outline, trainCount: kept.train, testCount: kept.test };
}

/** The field of a spec that a probe or load error is about: "label", "trainCount", …, else "path" (the files). */
export function datasetErrorField(error: unknown): string {
  return error instanceof DatasetFieldError ? error.field : 'path';
}

/**
 * Loads the data set a spec names. A problem with a field other than the files (trainCount, label, …)
 * throws a DatasetFieldError naming it (datasetErrorField), any other an Error about the files at path.
 */
export async function readDataset(input: DatasetSpec): Promise<ImageDataset> {
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
  const dataset = await readFiles(spec);
  const kept = keptCounts(spec, { train: dataset.train.count, test: dataset.test.count });
  dataset.train = takeFirst(dataset.train, kept.train);
  dataset.test = takeFirst(dataset.test, kept.test);
  if (spec.trainCount !== undefined || spec.testCount !== undefined) {
    dataset.source += ` (first ${dataset.train.count} train / ${dataset.test.count} test examples)`;
  }
  return dataset;
}

/** readDataset, with a count that the files cannot meet named in the message ("dataset.trainCount: …"), as a worker reports it. */
export async function loadDataset(input: DatasetSpec): Promise<ImageDataset> {
  try {
    return await readDataset(input);
  } catch (error) {
    if (error instanceof DatasetFieldError && (error.field === 'trainCount' || error.field === 'testCount')) throw new Error(`dataset.${error.field}: ${error.message}`);
    throw error;
  }
}
