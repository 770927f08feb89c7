/** The new-comparison form's own parts: arms (an optimizer plus overrides), their labels, the seeds list. */
import type { ComparisonArmInput } from './contract.js';

export interface ArmDraft {
  name: string;
  /** Empty: named after the optimizer and its overrides ("fsam λ=0.95"). */
  label: string;
  rho: string;
  lambda: string;
  sigma: string;
}

export type ArmOverride = 'rho' | 'lambda' | 'sigma';

export const ARM_OVERRIDES: readonly { key: ArmOverride; symbol: string; help: string }[] = [
  { key: 'rho', symbol: 'ρ', help: 'perturbation radius' },
  { key: 'lambda', symbol: 'λ', help: 'F-SAM gradient-average decay' },
  { key: 'sigma', symbol: 'σ', help: 'F-SAM share of the average removed' },
];

/** Which overrides mean anything for an arm's optimizer. */
export function overrideApplies(optimizer: string, key: ArmOverride): boolean {
  if (key === 'rho') return optimizer === 'sam' || optimizer === 'fsam';
  return optimizer === 'fsam';
}

export function newArm(name: string, overrides: Partial<Record<ArmOverride, string>> = {}): ArmDraft {
  return { name, label: '', rho: overrides.rho ?? '', lambda: overrides.lambda ?? '', sigma: overrides.sigma ?? '' };
}

export function armLabel(arm: ArmDraft): string {
  const label = arm.label.trim();
  if (label !== '') return label;
  const parts = [arm.name];
  for (const { key, symbol } of ARM_OVERRIDES) {
    const value = arm[key].trim();
    if (value !== '' && overrideApplies(arm.name, key)) parts.push(`${symbol}=${value}`);
  }
  return parts.join(' ');
}

export interface BuiltArms {
  arms: ComparisonArmInput[];
  /** By dotted path: "arms.1.optimizer.lambda", "arms.2.label". */
  errors: Record<string, string>;
}

export function buildArms(drafts: readonly ArmDraft[]): BuiltArms {
  const errors: Record<string, string> = {};
  const labels = drafts.map(armLabel);
  const arms = drafts.map((draft, index): ComparisonArmInput => {
    const optimizer: Record<string, unknown> = { name: draft.name };
    for (const { key } of ARM_OVERRIDES) {
      const text = draft[key].trim();
      if (text === '' || !overrideApplies(draft.name, key)) continue;
      const value = Number(text);
      if (Number.isFinite(value)) optimizer[key] = value;
      else errors[`arms.${index}.optimizer.${key}`] = 'must be a number';
    }
    if (labels.indexOf(labels[index]!) !== index) errors[`arms.${index}.label`] = `another arm is already called "${labels[index]}"; give this one a label`;
    return { label: labels[index]!, optimizer };
  });
  return { arms, errors };
}

export function parseSeeds(text: string): { seeds: number[]; error: null } | { seeds: null; error: string } {
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (items.length === 0) return { seeds: null, error: 'give at least one seed, e.g. 1, 2, 3' };
  const seeds = items.map(Number);
  if (seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) return { seeds: null, error: 'seeds must be whole numbers from 0, separated by commas' };
  if (new Set(seeds).size !== seeds.length) return { seeds: null, error: 'each seed may appear once' };
  return { seeds, error: null };
}
