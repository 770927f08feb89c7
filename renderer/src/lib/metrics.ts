/** The charts of the Run and Compare screens: which series each draws and how its numbers read. */
import type { SeriesName, StepSeriesName } from './contract.js';
import type { XAxisMode } from './curves.js';
import { formatClock, formatCompact, formatNumber, formatPercent, formatTick } from './format.js';

export type ValueKind = 'percent' | 'number' | 'milliseconds';

export interface ChartCurveSpec {
  series: SeriesName;
  /** Shown in the legend when a chart draws more than one curve of the same run. */
  label: string;
  dashed?: boolean;
}

export interface ChartSpec {
  /** Also the test id: chart-<name>. */
  name: string;
  title: string;
  help: string;
  kind: ValueKind;
  /** The first curve is the one Compare overlays across runs; the Run screen draws them all. */
  curves: ChartCurveSpec[];
  /** Shown instead of an empty chart (e.g. SGD has no perturbation). */
  emptyText: string;
  /** Smoothing applies to noisy per-step metrics; a schedule's learning rate is exact already. */
  smooth?: boolean;
}

const STEP_SERIES_SET = new Set<SeriesName>(['loss', 'perturbedLoss', 'gradientNorm', 'perturbationNorm', 'emaNorm', 'gradientEmaCosine', 'learningRate', 'stepMs', 'samplesPerSecond'] satisfies StepSeriesName[]);

export function isStepSeries(name: SeriesName): boolean {
  return STEP_SERIES_SET.has(name);
}

export const CHARTS: readonly ChartSpec[] = [
  { name: 'loss', title: 'Train loss', help: 'Mini-batch cross-entropy at w, every step', kind: 'number', curves: [{ series: 'loss', label: 'loss' }], emptyText: 'No steps yet' },
  { name: 'perturbedLoss', title: 'Perturbed loss', help: 'Mini-batch loss at w + e (SAM and F-SAM)', kind: 'number', curves: [{ series: 'perturbedLoss', label: 'perturbed' }], emptyText: 'SGD takes no perturbed step' },
  { name: 'testAccuracy', title: 'Accuracy', help: 'Test (solid) and train (dashed) accuracy after each epoch; with label noise, train on the noisy labels and on the clean ones', kind: 'percent', curves: [{ series: 'testAccuracy', label: 'test' }, { series: 'trainAccuracy', label: 'train', dashed: true }, { series: 'trainCleanAccuracy', label: 'train, clean labels', dashed: true }], emptyText: 'No epoch finished yet' },
  { name: 'testLoss', title: 'Epoch loss', help: 'Test (solid) and train (dashed) loss after each epoch', kind: 'number', curves: [{ series: 'testLoss', label: 'test' }, { series: 'trainLoss', label: 'train', dashed: true }], emptyText: 'No epoch finished yet' },
  { name: 'learningRate', title: 'Learning rate', help: 'From the schedule, per step', kind: 'number', smooth: false, curves: [{ series: 'learningRate', label: 'lr' }], emptyText: 'No steps yet' },
  { name: 'gradientNorm', title: '‖g‖', help: 'Norm of the mini-batch gradient at w (dashed on a run: F-SAM’s gradient average ‖m‖)', kind: 'number', curves: [{ series: 'gradientNorm', label: '‖g‖' }, { series: 'emaNorm', label: '‖m‖', dashed: true }], emptyText: 'No steps yet' },
  { name: 'perturbationNorm', title: '‖e‖', help: 'Norm of the perturbation (ρ for SAM, smaller for ASAM)', kind: 'number', curves: [{ series: 'perturbationNorm', label: '‖e‖' }], emptyText: 'SGD takes no perturbation' },
  { name: 'gradientEmaCosine', title: 'cos(g, m)', help: 'F-SAM: cosine between the gradient and its moving average m', kind: 'number', curves: [{ series: 'gradientEmaCosine', label: 'cos(g, m)' }], emptyText: 'Only F-SAM keeps a gradient average' },
  { name: 'stepMs', title: 'Step time', help: 'Wall time of one optimizer step', kind: 'milliseconds', curves: [{ series: 'stepMs', label: 'step time' }], emptyText: 'No steps yet' },
];

/**
 * On the Compare screen every chart draws one curve per arm (the first of CHARTS' curves). Under label noise
 * the question is whether an optimizer memorises the wrong labels, so the train accuracy on the noisy labels
 * and on the clean ones get charts of their own there.
 */
export const LABEL_NOISE_CHARTS: readonly ChartSpec[] = [
  { name: 'trainAccuracy', title: 'Train accuracy, noisy labels', help: 'Accuracy on the training labels as trained on (with the noise): rising towards 100 % means the noise is memorised', kind: 'percent', curves: [{ series: 'trainAccuracy', label: 'train (noisy)' }], emptyText: 'No epoch finished yet' },
  { name: 'trainCleanAccuracy', title: 'Train accuracy, clean labels', help: 'Accuracy on the same training examples with their true labels', kind: 'percent', curves: [{ series: 'trainCleanAccuracy', label: 'train (clean)' }], emptyText: 'No epoch finished yet' },
];

export function formatValue(kind: ValueKind, value: number): string {
  switch (kind) {
    case 'percent':
      return formatPercent(value);
    case 'number':
      return formatNumber(value);
    case 'milliseconds':
      return `${formatNumber(value, 3)} ms`;
  }
}

/** A y tick; `spacing` is the distance between neighbouring ticks. */
export function formatValueTick(kind: ValueKind, value: number, spacing: number): string {
  return kind === 'percent' ? `${formatTick(value * 100, spacing * 100)}%` : formatTick(value, spacing);
}

export function formatXTick(mode: XAxisMode, value: number): string {
  switch (mode) {
    case 'step':
      return formatCompact(value);
    case 'epoch':
      return formatCompact(value);
    case 'time':
      return formatClock(value);
  }
}

export function formatXValue(mode: XAxisMode, value: number): string {
  switch (mode) {
    case 'step':
      return `step ${Math.round(value).toLocaleString('en-US')}`;
    case 'epoch':
      return `epoch ${value.toFixed(2)}`;
    case 'time':
      return `${formatClock(value)} elapsed`;
  }
}

export const X_AXIS_TITLES: Record<XAxisMode, string> = { step: 'step', epoch: 'epoch', time: 'wall time (m:s)' };
