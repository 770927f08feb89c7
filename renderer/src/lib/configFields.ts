/**
 * The new-run form's fields: one per hyperparameter of a run config, each with its dotted path (as the
 * service names it in a FieldProblem), a one-line help and when it applies. The form holds text as typed;
 * `buildConfig` turns it into a config, leaving empty fields out so the service's default applies.
 */
import type { FieldProblem, StudioInfo } from './contract.js';
import { practitionerMessage } from './errors.js';

export type FieldKind = 'integer' | 'number' | 'text' | 'select' | 'boolean' | 'integerList';
export type FormMode = 'run' | 'comparison';
/** Form values by dotted path: text as typed, or a checkbox's state. */
export type FormValues = Record<string, string | boolean>;

export interface SelectOption {
  value: string;
  label: string;
  /** Shown under the field while this option is chosen. */
  description?: string;
}

export interface FieldSpec {
  path: string;
  label: string;
  help: string;
  kind: FieldKind;
  group: 'Data' | 'Model and training' | 'Schedule' | 'Optimizer';
  options?: (info: StudioInfo | null) => SelectOption[];
  /** Whether the field means anything with the other values (hidden fields are not sent). */
  applies?: (values: FormValues, mode: FormMode) => boolean;
  /** A checkbox left off is not sent (the config then has no such field, as before the field existed). */
  omitWhenOff?: boolean;
}

const is = (path: string, ...wanted: string[]) => (values: FormValues) => wanted.includes(String(values[path] ?? ''));
const builtin = is('data.name', 'shapes10');
const imageSize = is('data.name', 'shapes10', 'folder');
const pooled = is('data.name', 'folder', 'csv');
const perturbs = (values: FormValues, mode: FormMode) => mode === 'comparison' || values['optimizer.name'] !== 'sgd';
const friendly = (values: FormValues, mode: FormMode) => mode === 'comparison' || values['optimizer.name'] === 'fsam';
/** SAM's own perturbation direction; a comparison's arms set it per arm. */
const samOnly = (values: FormValues, mode: FormMode) => mode === 'run' && values['optimizer.name'] === 'sam';
const usesAverage = (values: FormValues, mode: FormMode) => friendly(values, mode) || (samOnly(values, mode) && values['optimizer.perturbation'] === 'fullGradientEma');

function fromInfo(pick: (info: StudioInfo) => { name: string; description: string }[], fallback: string[]) {
  return (info: StudioInfo | null): SelectOption[] =>
    info === null ? fallback.map((name) => ({ value: name, label: name })) : pick(info).map((option) => ({ value: option.name, label: option.name, description: option.description }));
}

const fixed = (...names: string[]) => () => names.map((name) => ({ value: name, label: name }));

export const FIELDS: readonly FieldSpec[] = [
  { group: 'Data', path: 'data.name', label: 'Data set', kind: 'select', help: 'shapes10 is generated on the spot; mnist, fashion-mnist, cifar10, cifar100 are downloaded in Settings; idx, folder and csv read your files', options: fromInfo((info) => info.datasets, ['shapes10', 'idx']) },
  { group: 'Data', path: 'data.path', label: 'Path', kind: 'text', help: 'idx: the folder of the four IDX files; folder: one subfolder per class (or train/ and test/); csv: a .csv file or a folder with train.csv and test.csv; downloaded sets: empty for the cache', applies: (values) => !builtin(values) },
  { group: 'Data', path: 'data.trainCount', label: 'Train examples', kind: 'integer', help: 'How many training examples (empty: the data set’s own count)' },
  { group: 'Data', path: 'data.testCount', label: 'Test examples', kind: 'integer', help: 'How many test examples (empty: the data set’s own count)' },
  { group: 'Data', path: 'data.size', label: 'Image size', kind: 'integer', help: 'Side of the images in pixels, 8–256 (generated, or your images resized)', applies: imageSize },
  { group: 'Data', path: 'data.channels', label: 'Channels', kind: 'select', help: '1 for grey, 3 for colour images', applies: imageSize, options: () => [{ value: '', label: 'default' }, { value: '1', label: '1 (grey)' }, { value: '3', label: '3 (colour)' }] },
  { group: 'Data', path: 'data.seed', label: 'Data seed', kind: 'integer', help: 'Seed that draws the generated images, or that splits your files into train and test (not the training seed)', applies: (values) => builtin(values) || pooled(values) },
  { group: 'Data', path: 'data.label', label: 'Label column', kind: 'text', help: 'The CSV column holding the class (empty: the last column); every other column must be numeric. Train CSV data with the mlp model', applies: is('data.name', 'csv') },
  { group: 'Data', path: 'data.testFraction', label: 'Test fraction', kind: 'number', help: 'Without a given train/test split: the share of each class held out for testing (default 0.2)', applies: pooled },

  { group: 'Model and training', path: 'model', label: 'Model', kind: 'select', help: 'The network to train', options: fromInfo((info) => info.models, ['mlp', 'cnn', 'resnet20']) },
  { group: 'Model and training', path: 'epochs', label: 'Epochs', kind: 'integer', help: 'Passes over the training set' },
  { group: 'Model and training', path: 'batchSize', label: 'Batch size', kind: 'integer', help: 'Examples per step; SAM’s two passes use the same batch' },
  { group: 'Model and training', path: 'seed', label: 'Seed', kind: 'integer', help: 'Initial weights and batch order: runs with one seed are paired' },
  { group: 'Model and training', path: 'trainEvalCount', label: 'Train examples scored', kind: 'integer', help: 'Training examples scored after each epoch for train loss and accuracy (0: all)' },

  { group: 'Schedule', path: 'schedule.kind', label: 'Learning-rate schedule', kind: 'select', help: 'cosine decays to 0 by the last step; multistep multiplies by gamma at milestones', options: fixed('cosine', 'constant', 'multistep') },
  { group: 'Schedule', path: 'schedule.milestones', label: 'Milestones', kind: 'integerList', help: 'Epochs at which the rate is multiplied by gamma, e.g. 30, 60', applies: is('schedule.kind', 'multistep') },
  { group: 'Schedule', path: 'schedule.gamma', label: 'Gamma', kind: 'number', help: 'Factor applied at each milestone, at most 1', applies: is('schedule.kind', 'multistep') },

  { group: 'Optimizer', path: 'optimizer.name', label: 'Optimizer', kind: 'select', help: 'sgd alone, SAM, or Friendly-SAM', options: fixed('sgd', 'sam', 'fsam'), applies: (_values, mode) => mode === 'run' },
  { group: 'Optimizer', path: 'optimizer.base', label: 'Base optimizer', kind: 'select', help: 'The step taken with the (perturbed) gradient', options: fixed('sgd', 'adamw') },
  { group: 'Optimizer', path: 'optimizer.lr', label: 'Learning rate', kind: 'number', help: 'Peak learning rate the schedule starts from' },
  { group: 'Optimizer', path: 'optimizer.momentum', label: 'Momentum', kind: 'number', help: 'SGD momentum, 0–1', applies: is('optimizer.base', 'sgd') },
  { group: 'Optimizer', path: 'optimizer.nesterov', label: 'Nesterov', kind: 'boolean', help: 'Nesterov momentum', applies: is('optimizer.base', 'sgd') },
  { group: 'Optimizer', path: 'optimizer.weightDecay', label: 'Weight decay', kind: 'number', help: 'L2 (SGD) or decoupled (AdamW) decay; never part of the perturbation' },
  { group: 'Optimizer', path: 'optimizer.beta1', label: 'β₁', kind: 'number', help: 'AdamW first-moment decay, below 1', applies: is('optimizer.base', 'adamw') },
  { group: 'Optimizer', path: 'optimizer.beta2', label: 'β₂', kind: 'number', help: 'AdamW second-moment decay, below 1', applies: is('optimizer.base', 'adamw') },
  { group: 'Optimizer', path: 'optimizer.epsilon', label: 'ε', kind: 'number', help: 'AdamW denominator guard', applies: is('optimizer.base', 'adamw') },
  { group: 'Optimizer', path: 'optimizer.rho', label: 'ρ (rho)', kind: 'number', help: 'Radius of the perturbation ball (SAM, F-SAM)', applies: perturbs },
  { group: 'Optimizer', path: 'optimizer.adaptive', label: 'Adaptive (ASAM)', kind: 'boolean', help: 'Scale the perturbation by w², invariant to weight rescaling', applies: perturbs },
  { group: 'Optimizer', path: 'optimizer.sigma', label: 'σ (sigma)', kind: 'number', help: 'F-SAM: how much of the gradient average is removed from the direction', applies: friendly },
  { group: 'Optimizer', path: 'optimizer.lambda', label: 'λ (lambda)', kind: 'number', help: 'F-SAM (and SAM along the gradient average): decay of the average of past gradients, below 1 (paper: 0.6 or 0.95)', applies: usesAverage },
  {
    group: 'Optimizer',
    path: 'optimizer.perturbation',
    label: 'SAM direction',
    kind: 'select',
    help: 'The paper’s decomposition g = (g − m) + m: SAM perturbs along the batch gradient g, or along its full-gradient part alone (the noise part alone is F-SAM with σ = 1)',
    applies: samOnly,
    options: () => [
      { value: 'batch', label: 'SAM: the batch gradient g' },
      { value: 'fullGradientEma', label: 'SAM (full-gradient part, EMA)', description: 'Along m, F-SAM’s average of past batch gradients (same rules as F-SAM): no extra cost' },
      { value: 'fullGradientExact', label: 'SAM (full-gradient part, exact)', description: 'Along ∇L over the whole training split, recomputed every K steps: one pass over the training set per K steps' },
    ],
  },
  {
    group: 'Optimizer',
    path: 'optimizer.fullGradientEvery',
    label: 'Full gradient every K steps',
    kind: 'integer',
    help: 'Cost: one gradient over all training examples every K steps, about trainCount / (batchSize · K) extra steps per step (K = 100, 6,000 examples, batch 128: +47 %)',
    applies: (values, mode) => samOnly(values, mode) && values['optimizer.perturbation'] === 'fullGradientExact',
  },

  {
    group: 'Data',
    path: 'labelNoise.kind',
    label: 'Label noise',
    kind: 'select',
    help: 'Corrupt a share of the training labels (test labels stay clean); drawn from the seed, so paired runs share it',
    options: () => [
      { value: '', label: 'none' },
      { value: 'symmetric', label: 'symmetric', description: 'The share of labels is redrawn uniformly over all classes (the true one included)' },
      { value: 'asymmetric', label: 'asymmetric', description: 'CIFAR-10: truck → automobile, bird → airplane, cat ↔ dog, deer → horse; other sets: class i → i + 1' },
    ],
  },
  { group: 'Data', path: 'labelNoise.fraction', label: 'Noise fraction', kind: 'number', help: 'Share of the labels (symmetric) or of each source class (asymmetric), 0–1, e.g. 0.4', applies: is('labelNoise.kind', 'symmetric', 'asymmetric') },
  { group: 'Data', path: 'augmentation.crop', label: 'Random crop', kind: 'boolean', help: 'Pad 4 px with zeros, crop back at a random offset (drawn per seed and step)', omitWhenOff: true },
  { group: 'Data', path: 'augmentation.flip', label: 'Horizontal flip', kind: 'boolean', help: 'Mirror left–right with probability 0.5', omitWhenOff: true },
  { group: 'Data', path: 'augmentation.cutout', label: 'Cutout', kind: 'boolean', help: 'Blank a 16 px square at a random place with probability 0.5', omitWhenOff: true },
];

export const FIELD_GROUPS = ['Data', 'Model and training', 'Schedule', 'Optimizer'] as const;

export function fieldApplies(field: FieldSpec, values: FormValues, mode: FormMode): boolean {
  return field.applies?.(values, mode) ?? true;
}

function getPath(source: unknown, path: string): unknown {
  let value: unknown = source;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** A value as the form shows it: numbers as typed text, lists comma-separated, absent as empty. */
export function formText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

/** Form values from a config (a preset, the defaults, a stored run's config). */
export function valuesFromConfig(config: unknown): FormValues {
  const values: FormValues = {};
  for (const field of FIELDS) {
    const value = getPath(config, field.path);
    values[field.path] = field.kind === 'boolean' ? value === true : formText(value);
  }
  return values;
}

/** What an empty field falls back to, as a placeholder ("default 0.05"). */
export function placeholderFor(field: FieldSpec, defaults: unknown): string {
  if (field.kind === 'boolean' || field.kind === 'select') return '';
  const value = getPath(defaults, field.path);
  return value === undefined || value === null ? 'default' : `default ${formText(value)}`;
}

function parseNumber(text: string, kind: FieldKind): number | string {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) return 'must be a number';
  if (kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
  return value;
}

export interface BuiltConfig {
  config: Record<string, unknown>;
  /** Problems found before asking the service (text that is not a number), by dotted path. */
  localErrors: Record<string, string>;
}

/** A config from the form: fields that do not apply and empty ones are left out (the service's defaults). */
export function buildConfig(values: FormValues, mode: FormMode): BuiltConfig {
  const config: Record<string, unknown> = {};
  const localErrors: Record<string, string> = {};
  for (const field of FIELDS) {
    if (!fieldApplies(field, values, mode)) continue;
    const raw = values[field.path];
    if (field.kind === 'boolean') {
      if (raw === true || !field.omitWhenOff) setPath(config, field.path, raw === true);
      continue;
    }
    const text = String(raw ?? '').trim();
    if (text === '') continue;
    switch (field.kind) {
      case 'text':
        setPath(config, field.path, text);
        break;
      case 'select':
        setPath(config, field.path, field.path === 'data.channels' ? Number(text) : text);
        break;
      case 'integer':
      case 'number': {
        const parsed = parseNumber(text, field.kind);
        if (typeof parsed === 'string') localErrors[field.path] = practitionerMessage(field.label, parsed);
        else setPath(config, field.path, parsed);
        break;
      }
      case 'integerList': {
        const items = text.split(/[\s,]+/).filter(Boolean).map((item) => parseNumber(item, 'integer'));
        if (items.some((item) => typeof item === 'string')) localErrors[field.path] = practitionerMessage(field.label, 'must be whole numbers separated by commas, e.g. 30, 60');
        else setPath(config, field.path, items);
        break;
      }
    }
  }
  return { config, localErrors };
}

/**
 * Which of `paths` shows a problem: the same path, or the nearest enclosing one ("schedule.milestones.0"
 * shows at "schedule.milestones"). null when none fits (the problem is listed above the start button).
 */
export function fieldForProblem(problem: FieldProblem, paths: readonly string[]): string | null {
  let best: string | null = null;
  for (const path of paths) {
    if (problem.field === path || problem.field.startsWith(`${path}.`)) {
      if (best === null || path.length > best.length) best = path;
    }
  }
  return best;
}

export interface PlacedProblems {
  byField: Record<string, string>;
  unplaced: string[];
}

function fieldFor(path: string): FieldSpec | undefined {
  const nearest = fieldForProblem({ field: path, message: '' }, FIELDS.map((candidate) => candidate.path));
  return FIELDS.find((candidate) => candidate.path === nearest);
}

/** The form's label of a dotted path ("optimizer.lr" → "Learning rate"), or of the nearest field enclosing it; else the path. */
export function labelFor(path: string): string {
  return fieldFor(path)?.label ?? path;
}

/** A problem with the field at `path` in a practitioner's words (app errors.ts), named by the field's label. */
export function problemText(path: string, message: string, standalone = false): string {
  const field = fieldFor(path);
  const integer = field !== undefined && (field.kind === 'integer' || (field.kind === 'integerList' && path !== field.path));
  return practitionerMessage(field?.label ?? path, message, { standalone, integer });
}

/**
 * Sorts the service's problems onto the visible fields, in a practitioner's words ("Learning rate must be
 * greater than 0", not the validator's "Too small: expected number to be >0"); the first message per field wins.
 */
export function placeProblems(problems: readonly FieldProblem[], paths: readonly string[]): PlacedProblems {
  const placed: PlacedProblems = { byField: {}, unplaced: [] };
  for (const problem of problems) {
    const path = fieldForProblem(problem, paths);
    if (path === null) placed.unplaced.push(problem.field ? problemText(problem.field, problem.message, true) : problem.message);
    else placed.byField[path] ??= problemText(problem.field, problem.message);
  }
  return placed;
}
