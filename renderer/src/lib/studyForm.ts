/**
 * The new-study form's own parts: a draft as the user edits it (text in every field, the base config as
 * JSON), built into a NewStudy with the problems the form can see by itself; the service checks the rest
 * and names the field (studyProblemFromMessage places its answer).
 */
import { parseSeeds } from './comparisonForm.js';
import { STUDY_PARAMETERS } from './contract.js';
import type { ComparisonArmInput, NewStudy, StudyParameter } from './contract.js';

export interface StudyArmDraft {
  /** Empty: named after the optimizer and its fields ("sam perturbation=fullGradientEma"). */
  label: string;
  /** sgd | sam | fsam. */
  optimizer: string;
  /** The arm's other optimizer fields, "sigma=1, perturbation=fullGradientEma". */
  fields: string;
}

export interface StudyDraft {
  name: string;
  /** The preset the form was filled from (recorded with the study), or null. */
  preset: string | null;
  arms: StudyArmDraft[];
  /** The swept setting; empty: only the arms vary. */
  parameter: StudyParameter | '';
  /** "0.02, 0.05, 0.1" */
  values: string;
  seeds: string;
  /** An arm's label. */
  baseline: string;
  /** The base run config as JSON. */
  config: string;
}

/** Where the form shows a problem: "name", "config", "values", "seeds", "baseline", "arms", "arms.<n>.label", "arms.<n>.fields". */
export type StudyErrors = Record<string, string>;

export function formatArmFields(fields: Readonly<Record<string, unknown>>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}

export function draftFromStudy(study: NewStudy): StudyDraft {
  const arms = study.arms.map((arm): StudyArmDraft => {
    const { name, ...fields } = arm.optimizer as Record<string, unknown>;
    return { label: arm.label ?? '', optimizer: typeof name === 'string' ? name : 'sam', fields: formatArmFields(fields) };
  });
  return {
    name: study.name,
    preset: study.preset ?? null,
    arms,
    parameter: study.axis?.parameter ?? '',
    values: study.axis?.values.join(', ') ?? '',
    seeds: study.seeds.join(', '),
    baseline: study.baseline ?? (arms[0] === undefined ? '' : armDraftLabel(arms[0])),
    config: JSON.stringify(study.config, null, 2),
  };
}

/** A field's text as a value: a number, true or false, else the text itself ("fullGradientEma"). */
function fieldValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? number : text;
}

export function parseArmFields(text: string): { fields: Record<string, unknown>; error: string | null } {
  const fields: Record<string, unknown> = {};
  for (const item of text.split(/[\s,;]+/).filter(Boolean)) {
    const match = /^([A-Za-z]\w*)=(\S+)$/.exec(item);
    if (match === null) return { fields, error: `"${item}" is not a field: write name=value, e.g. sigma=1, perturbation=fullGradientEma` };
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 'name') return { fields, error: 'choose the optimizer in its own column' };
    if (key in fields) return { fields, error: `${key} is given twice` };
    fields[key] = fieldValue(value);
  }
  return { fields, error: null };
}

/** The label the arm will have: its own, else its optimizer and fields, as the service would name it. */
export function armDraftLabel(arm: StudyArmDraft): string {
  const label = arm.label.trim();
  if (label !== '') return label;
  const { fields } = parseArmFields(arm.fields);
  return [arm.optimizer, ...Object.entries(fields).map(([key, value]) => `${key}=${String(value)}`)].join(' ');
}

export function parseValues(text: string): { values: number[]; error: string | null } {
  const items = text.split(/[\s,;]+/).filter(Boolean);
  if (items.length === 0) return { values: [], error: 'give the values to sweep, e.g. 0.02, 0.05, 0.1' };
  const values = items.map(Number);
  const bad = items.find((_, index) => !Number.isFinite(values[index]!));
  if (bad !== undefined) return { values: [], error: `"${bad}" is not a number` };
  if (new Set(values).size !== values.length) return { values: [], error: 'each value once' };
  return { values, error: null };
}

export function parseConfig(text: string): { config: Record<string, unknown> | null; error: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { config: null, error: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { config: null, error: 'must be a JSON object: { "data": …, "model": …, "optimizer": … }' };
  return { config: parsed as Record<string, unknown>, error: null };
}

/** The settings a study sweeps inside the optimizer (an arm may not set them too). */
const OPTIMIZER_PARAMETERS: readonly StudyParameter[] = STUDY_PARAMETERS.filter((parameter) => parameter !== 'labelNoise');

export interface BuiltStudy {
  /** Null while a problem the form sees keeps it from being one. */
  study: NewStudy | null;
  errors: StudyErrors;
  /** arms × values × seeds, as far as they parse (0 where a part does not). */
  runCount: number;
  /** Values of the swept setting (1 when nothing is swept) and seeds, as far as they parse. */
  valueCount: number;
  seedCount: number;
  /** The base config and the arms' optimizers, when they parse: what the estimate reads. */
  config: Record<string, unknown> | null;
  arms: ComparisonArmInput[];
}

export function buildStudy(draft: StudyDraft): BuiltStudy {
  const errors: StudyErrors = {};
  const name = draft.name.trim();
  if (name === '') errors['name'] = 'give the study a name';
  const config = parseConfig(draft.config);
  if (config.error !== null) errors['config'] = config.error;
  if (draft.arms.length === 0) errors['arms'] = 'add at least one arm';
  const labels = draft.arms.map(armDraftLabel);
  const arms = draft.arms.map((arm, index): ComparisonArmInput => {
    const fields = parseArmFields(arm.fields);
    if (fields.error !== null) errors[`arms.${index}.fields`] = fields.error;
    else if (draft.parameter !== '' && OPTIMIZER_PARAMETERS.includes(draft.parameter) && draft.parameter in fields.fields) {
      errors[`arms.${index}.fields`] = `the study sweeps ${draft.parameter}; an arm cannot set it too`;
    }
    if (labels.indexOf(labels[index]!) !== index) errors[`arms.${index}.label`] = `another arm is already called "${labels[index]}"; give this one a label`;
    // the service checks the names and values of the fields (and says which one is wrong)
    return { label: labels[index]!, optimizer: { name: arm.optimizer, ...fields.fields } as ComparisonArmInput['optimizer'] };
  });
  const values = draft.parameter === '' ? { values: [], error: null } : parseValues(draft.values);
  if (values.error !== null) errors['values'] = values.error;
  const seeds = parseSeeds(draft.seeds);
  if (seeds.error !== null) errors['seeds'] = seeds.error;
  if (!labels.includes(draft.baseline)) errors['baseline'] = 'pick the arm the others are measured against';
  const valueCount = draft.parameter === '' ? 1 : values.values.length;
  const seedCount = seeds.seeds?.length ?? 0;
  const runCount = draft.arms.length * valueCount * seedCount;
  const ok = Object.keys(errors).length === 0 && config.config !== null && seeds.seeds !== null;
  const study: NewStudy | null = ok
    ? {
        name,
        config: config.config as NewStudy['config'],
        arms,
        ...(draft.parameter === '' ? {} : { axis: { parameter: draft.parameter, values: values.values } }),
        seeds: seeds.seeds!,
        baseline: draft.baseline,
        ...(draft.preset === null ? {} : { preset: draft.preset }),
      }
    : null;
  return { study, errors, runCount, valueCount, seedCount, config: config.config, arms };
}

/**
 * Where the service's refusal of createStudy belongs on the form. Its messages name the field:
 * "request.axis.values: each value once", "request.arms[1].optimizer.rho: …", or a run's config
 * "Invalid run configuration — arms[0] (SAM).config.optimizer.lr: Too small…".
 */
export function studyProblemFromMessage(message: string, arms: readonly ComparisonArmInput[]): { key: string; message: string } {
  const run = /—\s*arms\[(\d+)\] \(.*?\)\.config\.([\w.]+):\s*(.+)$/s.exec(message);
  if (run !== null) {
    const index = Number(run[1]);
    const field = run[2]!;
    const own = (arms[index]?.optimizer ?? {}) as Record<string, unknown>;
    const optimizerField = field.startsWith('optimizer.') ? field.slice('optimizer.'.length) : null;
    // a value the arm sets itself is the arm's problem; anything else is the shared config's
    if (optimizerField !== null && optimizerField !== 'name' && own[optimizerField] !== undefined) return { key: `arms.${index}.fields`, message: `${optimizerField}: ${run[3]}` };
    return { key: 'config', message: `${field}: ${run[3]}` };
  }
  const request = /^request\.([\w.[\]]+):\s*(.+)$/s.exec(message);
  if (request !== null) {
    const path = request[1]!.replace(/\[(\d+)\]/g, '.$1');
    const detail = request[2]!;
    const arm = /^arms\.(\d+)(?:\.(.*))?$/.exec(path);
    if (arm !== null) return { key: arm[2] === 'label' ? `arms.${arm[1]}.label` : `arms.${arm[1]}.fields`, message: arm[2] === undefined || arm[2] === 'label' ? detail : `${arm[2].replace(/^optimizer\./, '')}: ${detail}` };
    const top = path.split('.')[0]!;
    if (top === 'config') return { key: 'config', message: `${path.slice('config.'.length) || 'config'}: ${detail}` };
    if (top === 'axis') return { key: 'values', message: detail };
    if (['name', 'seeds', 'baseline', 'arms'].includes(top)) return { key: top, message: detail };
  }
  return { key: 'form', message };
}
