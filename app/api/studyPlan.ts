/**
 * A study's grid as comparisons: one per value of the swept setting (or one, when only the arms vary), each
 * of the study's arms over its seeds. Pure: the service validates, stores and queues what this plans.
 */
import type { z } from 'zod';
import { STUDY_PARAMETER_LABELS, type StudyParameter } from '../domain/studies.js';
import { ConfigError } from '../validation.js';
import type { newStudySchema } from './schemas.js';

export type StudyRequest = z.infer<typeof newStudySchema>;

export interface StudyCellPlan {
  value: number | null;
  /** A comparison request, as createComparison takes it (arms, seeds and baseline are the study's). */
  comparison: { name: string; config: Record<string, unknown>; arms: StudyRequest['arms']; seeds: number[]; baseline?: string };
}

const OPTIMIZER_PARAMETERS: readonly StudyParameter[] = ['rho', 'lambda', 'sigma', 'lr'];

/** "ρ=0.05", "label noise 40 %" — how a cell is named. */
export function describeValue(parameter: StudyParameter, value: number): string {
  return parameter === 'labelNoise' ? `label noise ${Math.round(value * 1000) / 10} %` : `${STUDY_PARAMETER_LABELS[parameter]}=${value}`;
}

/** The base config with the swept setting at `value`: an optimizer field, or symmetric label noise. */
export function withParameter(config: Record<string, unknown>, parameter: StudyParameter, value: number): Record<string, unknown> {
  if (parameter === 'labelNoise') return { ...config, labelNoise: value === 0 ? { kind: 'none' } : { kind: 'symmetric', fraction: value } };
  const optimizer = typeof config.optimizer === 'object' && config.optimizer !== null ? (config.optimizer as Record<string, unknown>) : {};
  return { ...config, optimizer: { ...optimizer, [parameter]: value } };
}

export function planStudy(study: StudyRequest): StudyCellPlan[] {
  const axis = study.axis;
  if (axis && OPTIMIZER_PARAMETERS.includes(axis.parameter)) {
    // an arm's own value would silently win over the sweep's
    const index = study.arms.findIndex((arm) => axis.parameter in arm.optimizer);
    if (index >= 0) throw new ConfigError(`request.arms[${index}].optimizer.${axis.parameter}: the study sweeps ${axis.parameter}; an arm cannot set it too`);
  }
  const cell = (value: number | null): StudyCellPlan => ({
    value,
    comparison: {
      name: value === null || !axis ? study.name : `${study.name} · ${describeValue(axis.parameter, value)}`,
      config: value === null || !axis ? study.config : withParameter(study.config, axis.parameter, value),
      arms: study.arms,
      seeds: study.seeds,
      ...(study.baseline !== undefined ? { baseline: study.baseline } : {}),
    },
  });
  return axis ? axis.values.map(cell) : [cell(null)];
}
