/**
 * What the preset menu offers: the service's defaults and presets (single runs) plus comparisons built on
 * them, first of all "SAM vs F-SAM": the quick preset with arms sam and fsam, measured against sam.
 */
import { newArm } from './comparisonForm.js';
import type { ArmDraft } from './comparisonForm.js';
import type { StudioInfo, TrainConfig } from './contract.js';
import type { FormMode } from './configFields.js';

export interface PresetChoice {
  id: string;
  label: string;
  description: string;
  mode: FormMode;
  config: TrainConfig;
  comparison?: { name: string; arms: ArmDraft[]; baseline: string; seeds: string };
}

export function presetChoices(info: StudioInfo): PresetChoice[] {
  const choices: PresetChoice[] = [{ id: 'defaults', label: 'Defaults', description: 'The service’s defaults for a new run', mode: 'run', config: info.defaults }];
  for (const preset of info.presets) choices.push({ id: preset.name, label: preset.name, description: preset.description, mode: 'run', config: preset.config });
  const quick = info.presets.find((preset) => preset.name === 'quick')?.config ?? info.defaults;
  choices.push(
    {
      id: 'sam-vs-fsam',
      label: 'SAM vs F-SAM',
      description: 'The quick preset on the built-in data, trained with SAM and with F-SAM from the same seed',
      mode: 'comparison',
      config: quick,
      comparison: { name: 'SAM vs F-SAM', arms: [newArm('sam'), newArm('fsam')], baseline: 'sam', seeds: '1' },
    },
    {
      id: 'sgd-sam-fsam',
      label: 'SGD vs SAM vs F-SAM',
      description: 'The quick preset with all three optimizers, measured against plain SGD',
      mode: 'comparison',
      config: quick,
      comparison: { name: 'SGD vs SAM vs F-SAM', arms: [newArm('sgd'), newArm('sam'), newArm('fsam')], baseline: 'sgd', seeds: '1' },
    },
  );
  return choices;
}
