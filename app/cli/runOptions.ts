/**
 * The flags shared by `train` and `compare`, and how they become a validated TrainConfig:
 * preset → JSON config file → flags, each overriding the one before.
 */
import { readFileSync } from 'node:fs';
import { trainConfigSchema, type TrainConfig } from '../training/config.js';
import { parseOrProblems } from '../validation.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../optim/config.js';
import { PRESETS } from '../training/presets.js';
import { parseAugmentationList } from '../data/augment.js';
import { LABEL_NOISE_KINDS } from '../data/labelNoise.js';
import { UsageError } from './usage.js';
import { DATASET_NAMES } from '../data/index.js';

export const RUN_FLAGS = {
  preset: { type: 'string' },
  config: { type: 'string' },
  data: { type: 'string' },
  'train-count': { type: 'string' },
  'test-count': { type: 'string' },
  model: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  schedule: { type: 'string' },
  milestones: { type: 'string' },
  gamma: { type: 'string' },
  seed: { type: 'string' },
  base: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  nesterov: { type: 'boolean' },
  rho: { type: 'string' },
  sigma: { type: 'string' },
  lambda: { type: 'string' },
  adaptive: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'label-noise': { type: 'string' },
  augment: { type: 'string' },
} as const;

export const RUN_FLAGS_HELP = `Run settings (a preset, then --config FILE.json, then flags; later ones win):
  --preset NAME          ${Object.entries(PRESETS).map(([name, p]) => `${name}: ${p.description}`).join('\n                         ')}
  --config FILE          a JSON run config: {"data":…, "model":…, "optimizer":{…}, "epochs":…, …}
  --data shapes10|DIR    the built-in generated set, or a folder of MNIST/Fashion-MNIST IDX files;
                         mnist, fashion-mnist, cifar10, cifar100: a downloaded set (fsam-studio data get NAME);
                         NAME:PATH: that kind of data at PATH, e.g. csv:iris.csv, folder:photos/, cifar10:/data/cifar
  --train-count N, --test-count N
                         examples to generate (shapes10) or to keep (IDX)
  --model NAME           mlp, cnn, resnet20, resnet32, resnet44, resnet56, resnet110, resnet18, vgg16bn,
                         wrn<depth>-<width> (wrn16-4, wrn16-8, wrn28-10, …) (default cnn)
  --epochs N             default 3          --batch-size N   default 128
  --schedule KIND        cosine (default), constant, multistep (with --milestones 30,60 --gamma 0.1)
  --seed N               initial weights and batch order (default 1)
  --base sgd|adamw       base optimizer (default sgd)
  --lr X                 learning rate      --momentum X (0.9)   --weight-decay X (5e-4)   --nesterov
  --rho X                perturbation radius (0.05)
  --sigma X, --lambda X  F-SAM: EMA removal strength (1) and EMA decay (0.6)
  --adaptive             ASAM-style perturbation (w² scaling)
  --label-noise KIND:F   noise on the training labels: symmetric:0.4 (40 % resampled over all classes) or
                         asymmetric:0.4 (CIFAR-10 pairs, else class i → i + 1); none (default)
  --augment LIST         crop,flip,cutout (any of them; 4 px crop padding, p 0.5 flip, 16 px cutout p 0.5)
  --json                 print one JSON object instead of progress and a table`;

type RunFlagValues = { [K in keyof typeof RUN_FLAGS]?: (typeof RUN_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new UsageError(`--${flag} must be a number, got "${value}"`);
  return parsed;
}

function listFlag(flag: string, value: string): number[] {
  return value.split(',').map((part) => numberFlag(flag, part.trim())!);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--config ${path}: not a JSON run config (${(error as Error).message})`);
  }
}

type Plain = Record<string, unknown>;
function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars are replaced; undefined leaves the base value. */
function merge(base: Plain, override: Plain): Plain {
  const result: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    result[key] = isPlain(value) && isPlain(result[key]) ? merge(result[key] as Plain, value) : value;
  }
  return result;
}

function dataFromFlag(value: string | undefined): Plain | undefined {
  if (value === undefined) return undefined;
  // switching data set drops the preset's data fields (counts, paths) that belong to the other set
  if ((DATASET_NAMES as readonly string[]).includes(value)) return { name: value };
  const separator = value.indexOf(':');
  const kind = separator > 0 ? value.slice(0, separator) : '';
  if ((DATASET_NAMES as readonly string[]).includes(kind)) return { name: kind, path: value.slice(separator + 1) };
  return { name: 'idx', path: value };
}

function dataFromFlags(flags: RunFlagValues): Plain | undefined {
  const counts = { trainCount: numberFlag('train-count', flags['train-count']), testCount: numberFlag('test-count', flags['test-count']) };
  const chosen = dataFromFlag(flags.data);
  if (!chosen && counts.trainCount === undefined && counts.testCount === undefined) return undefined;
  return merge(chosen ?? {}, counts);
}

/** "symmetric:0.4" → { kind, fraction }; "none" → none. */
function labelNoiseFromFlag(value: string | undefined): Plain | undefined {
  if (value === undefined) return undefined;
  const [kind = '', fraction] = value.split(':').map((part) => part.trim());
  if (!(LABEL_NOISE_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`--label-noise "${value}": the kind must be one of ${LABEL_NOISE_KINDS.join(', ')}, as in symmetric:0.4`);
  }
  if (kind === 'none') return { kind: 'none', fraction: 0 };
  if (fraction === undefined) throw new UsageError(`--label-noise "${value}": give the fraction after a colon, as in ${kind}:0.4`);
  return { kind, fraction: numberFlag('label-noise', fraction) };
}

function augmentationFromFlag(value: string | undefined): Plain | undefined {
  if (value === undefined) return undefined;
  try {
    // every transform named on, the others off: the flag states the whole augmentation
    return { crop: false, flip: false, cutout: false, ...parseAugmentationList(value) };
  } catch (error) {
    throw new UsageError(`--augment: ${(error as Error).message}`);
  }
}

function flagsAsConfig(flags: RunFlagValues): Plain {
  const schedule: Plain | undefined = flags.schedule
    ? flags.schedule === 'multistep'
      ? { kind: 'multistep', milestones: flags.milestones ? listFlag('milestones', flags.milestones) : undefined, gamma: numberFlag('gamma', flags.gamma) }
      : { kind: flags.schedule }
    : undefined;
  return {
    model: flags.model,
    epochs: numberFlag('epochs', flags.epochs),
    batchSize: numberFlag('batch-size', flags['batch-size']),
    seed: numberFlag('seed', flags.seed),
    schedule,
    data: dataFromFlags(flags),
    labelNoise: labelNoiseFromFlag(flags['label-noise']),
    augmentation: augmentationFromFlag(flags.augment),
    optimizer: {
      base: flags.base,
      lr: numberFlag('lr', flags.lr),
      momentum: numberFlag('momentum', flags.momentum),
      weightDecay: numberFlag('weight-decay', flags['weight-decay']),
      nesterov: flags.nesterov,
      rho: numberFlag('rho', flags.rho),
      sigma: numberFlag('sigma', flags.sigma),
      lambda: numberFlag('lambda', flags.lambda),
      adaptive: flags.adaptive,
    },
  };
}

/** The run config the flags describe, for the given optimizer name. Throws UsageError naming the field. */
export function buildRunConfig(flags: RunFlagValues, optimizerName: OptimizerName): TrainConfig {
  let config: Plain = { data: { name: 'shapes10' }, optimizer: { lr: 0.05 } };
  if (flags.preset !== undefined) {
    const preset = PRESETS[flags.preset];
    if (!preset) throw new UsageError(`--preset "${flags.preset}" is not a preset; use one of: ${Object.keys(PRESETS).join(', ')}`);
    config = merge(config, preset.config as Plain);
  }
  if (flags.config !== undefined) config = merge(config, readConfigFile(flags.config));
  const fromFlags = flagsAsConfig(flags);
  if (flags.data !== undefined) config = { ...config, data: undefined };
  config = merge(config, fromFlags);
  config = merge(config, { optimizer: { name: optimizerName } });
  const parsed = parseOrProblems(trainConfigSchema, config, { whole: 'config' });
  if (parsed.ok) return parsed.value;
  const { field, message } = parsed.problems[0]!;
  throw new UsageError(`Invalid run configuration — ${field}: ${message}${flagNote(field, flags)}`);
}

/** The flag that sets each config field, so that a refusal can say which of the user's flags it was about. */
const FIELD_FLAGS: Record<string, keyof typeof RUN_FLAGS> = {
  'data': 'data',
  'data.name': 'data',
  'data.path': 'data',
  'data.trainCount': 'train-count',
  'data.testCount': 'test-count',
  model: 'model',
  epochs: 'epochs',
  batchSize: 'batch-size',
  seed: 'seed',
  'schedule.kind': 'schedule',
  'schedule.milestones': 'milestones',
  'schedule.gamma': 'gamma',
  'optimizer.base': 'base',
  'optimizer.lr': 'lr',
  'optimizer.momentum': 'momentum',
  'optimizer.weightDecay': 'weight-decay',
  'optimizer.rho': 'rho',
  'optimizer.sigma': 'sigma',
  'optimizer.lambda': 'lambda',
  labelNoise: 'label-noise',
  'labelNoise.kind': 'label-noise',
  'labelNoise.fraction': 'label-noise',
  augmentation: 'augment',
};

/** " (from --epochs -1)" when the field's value came from a flag on this command line, else "". */
function flagNote(field: string, flags: RunFlagValues): string {
  const flag = FIELD_FLAGS[field] ?? FIELD_FLAGS[field.split('.').slice(0, 2).join('.')];
  const value = flag === undefined ? undefined : flags[flag];
  if (flag === undefined || value === undefined || typeof value === 'boolean') return '';
  return ` (from --${flag} ${value})`;
}

export function parseOptimizerList(flag: string, value: string): OptimizerName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) throw new UsageError(`--${flag}: "${name}" is not an optimizer; use a comma-separated list of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (names.length === 0) throw new UsageError(`--${flag} needs at least one of ${OPTIMIZER_NAMES.join(', ')}`);
  return names as OptimizerName[];
}

export function parseSeedList(value: string): number[] {
  const seeds = listFlag('seeds', value);
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new UsageError(`--seeds must be whole numbers ≥ 0 separated by commas, got "${value}"`);
  return seeds;
}
