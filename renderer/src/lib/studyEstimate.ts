/**
 * How long a study will take, from what this store has measured: the median training steps/s of its
 * completed runs with the same model and batch size, times the steps the study's runs will take (epochs ×
 * ⌊trainCount / batchSize⌋ each, plus the full-gradient passes of arms that perturb along the exact
 * training gradient). Evaluation is not in steps/s, so the estimate leaves it out and says so.
 */
import type { ComparisonArmInput, RunInfo } from './contract.js';
import { formatCount, formatDuration, formatRate } from './format.js';

export interface FullGradientCost {
  arm: string;
  /** Steps between two passes over the training split. */
  every: number;
  /** trainCount / (batchSize · every): one pass costs about trainCount / batchSize steps. Null without trainCount. */
  extraStepsPerStep: number | null;
}

export interface StudyEstimate {
  runs: number;
  model: string | null;
  batchSize: number | null;
  /** Null when the config does not state data.trainCount. */
  stepsPerRun: number | null;
  /** Every run's steps, full-gradient passes counted as the steps they cost; null when stepsPerRun is. */
  totalSteps: number | null;
  /** Median over `measuredRuns` completed runs; null when there is none. */
  stepsPerSecond: number | null;
  measuredRuns: number;
  /** Runs trained at once. */
  concurrency: number;
  /** Null when steps or speed are unknown. */
  seconds: number | null;
  fullGradient: FullGradientCost[];
}

export interface StudyEstimateInput {
  config: Record<string, unknown>;
  arms: readonly ComparisonArmInput[];
  /** Runs per arm: values × seeds. */
  cellsPerArm: number;
  /** The service's defaults, for what the config leaves out. */
  defaults: { model: string; epochs: number; batchSize: number };
  runs: readonly RunInfo[];
  concurrency: number;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function positiveNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The arms (their optimizer laid over the base's) that perturb along the exact full gradient, with its cost. */
export function fullGradientCosts(config: Record<string, unknown>, arms: readonly ComparisonArmInput[], batchSize: number | null): FullGradientCost[] {
  const base = record(config['optimizer']);
  const trainCount = positiveNumber(record(config['data'])['trainCount']);
  return arms.flatMap((arm) => {
    const optimizer = { ...base, ...arm.optimizer } as Record<string, unknown>;
    if (optimizer['perturbation'] !== 'fullGradientExact') return [];
    // the optimizer config's default (app/optim/config.ts)
    const every = positiveNumber(optimizer['fullGradientEvery']) ?? 100;
    const extraStepsPerStep = trainCount === null || batchSize === null ? null : trainCount / (batchSize * every);
    return [{ arm: arm.label ?? String(optimizer['name'] ?? ''), every, extraStepsPerStep }];
  });
}

export function estimateStudy(input: StudyEstimateInput): StudyEstimate {
  const { config, arms, cellsPerArm, defaults } = input;
  const model = typeof config['model'] === 'string' ? config['model'] : defaults.model;
  const batchSize = positiveNumber(config['batchSize']) ?? defaults.batchSize;
  const epochs = positiveNumber(config['epochs']) ?? defaults.epochs;
  const trainCount = positiveNumber(record(config['data'])['trainCount']);
  const stepsPerRun = trainCount === null ? null : epochs * Math.floor(trainCount / batchSize);
  const fullGradient = fullGradientCosts(config, arms, batchSize);
  const extra = (arm: ComparisonArmInput) => fullGradient.find((cost) => cost.arm === (arm.label ?? String(arm.optimizer.name ?? '')))?.extraStepsPerStep ?? 0;
  const totalSteps = stepsPerRun === null ? null : arms.reduce((sum, arm) => sum + cellsPerArm * stepsPerRun * (1 + extra(arm)), 0);
  const measured = input.runs
    .filter((run) => run.status === 'completed' && run.config.model === model && run.config.batchSize === batchSize)
    .map((run) => run.stepsPerSecond)
    .filter((rate): rate is number => rate !== null && Number.isFinite(rate) && rate > 0);
  const stepsPerSecond = median(measured);
  const concurrency = Math.max(1, input.concurrency);
  const seconds = totalSteps === null || stepsPerSecond === null ? null : totalSteps / stepsPerSecond / concurrency;
  return { runs: arms.length * cellsPerArm, model, batchSize, stepsPerRun, totalSteps, stepsPerSecond, measuredRuns: measured.length, concurrency, seconds, fullGradient };
}

/** The estimate in one sentence, saying what it rests on, or why there is none. */
export function describeEstimate(estimate: StudyEstimate): string {
  const runs = `${estimate.runs} ${estimate.runs === 1 ? 'run' : 'runs'}`;
  if (estimate.stepsPerRun === null || estimate.totalSteps === null) return `${runs}; no time estimate: the config does not state data.trainCount, so the steps per run are not known here`;
  const steps = `${formatCount(estimate.stepsPerRun)} steps each, ${formatCount(estimate.totalSteps)} in all`;
  const setting = `${estimate.model ?? 'this model'} with batch size ${estimate.batchSize ?? '?'}`;
  if (estimate.stepsPerSecond === null || estimate.seconds === null) return `${runs} (${steps}); no measurement yet: no completed run of ${setting} in this store to take the speed from`;
  const basis = `${formatRate(estimate.stepsPerSecond)} steps/s, the median of ${estimate.measuredRuns} completed ${estimate.measuredRuns === 1 ? 'run' : 'runs'} of ${setting}`;
  const parallel = estimate.concurrency > 1 ? `, ${estimate.concurrency} runs at a time` : '';
  return `${runs} (${steps}): about ${formatDuration(estimate.seconds * 1000)} of training at ${basis}${parallel}; evaluation comes on top`;
}

/** What perturbing along the exact full gradient costs an arm, in words. */
export function describeFullGradientCost(cost: FullGradientCost): string {
  const pass = `one pass over the training split every ${cost.every} steps`;
  if (cost.extraStepsPerStep === null) return `${cost.arm}: ${pass} (trainCount / (batchSize · ${cost.every}) extra steps per step; state data.trainCount to see how many)`;
  return `${cost.arm}: ${pass} ≈ ${cost.extraStepsPerStep.toPrecision(2)} extra steps per step (+${Math.round(cost.extraStepsPerStep * 100)} % training time)`;
}
