/** The charts of the Run and Compare screens: which series each draws and how its numbers read. */
import { isStepSeries, reportsMetric, stepMetricDefinition, type RunInfo, type SeriesName, type StepMetricName } from './contract.js';
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
  /** Shown instead of an empty chart while there is nothing to draw yet. */
  emptyText: string;
  /** Shown instead when none of the runs' optimizers reports the chart's metric (SGD has no perturbation). */
  unreportedText?: string;
  /** Smoothing applies to noisy per-step metrics; a schedule's learning rate is exact already. */
  smooth?: boolean;
}

export { isStepSeries };

/** A per-step curve, labelled as the metrics table (app/domain/metrics.ts) names it. */
function stepCurve(name: StepMetricName, dashed = false): ChartCurveSpec {
  return { series: name, label: stepMetricDefinition(name).label, ...(dashed ? { dashed } : {}) };
}

/** The metric's own description, with what the chart adds. */
function stepHelp(name: StepMetricName, suffix = ''): string {
  return `${stepMetricDefinition(name).description}${suffix}`;
}

export const CHARTS: readonly ChartSpec[] = [
  { name: 'loss', title: 'Train loss', help: stepHelp('loss', ', every step'), kind: 'number', curves: [stepCurve('loss')], emptyText: 'No steps yet' },
  { name: 'perturbedLoss', title: 'Perturbed loss', help: stepHelp('perturbedLoss', ' (SAM and F-SAM)'), kind: 'number', curves: [stepCurve('perturbedLoss')], emptyText: 'No steps yet', unreportedText: 'SGD takes no perturbed step' },
  { name: 'testAccuracy', title: 'Accuracy', help: 'Test (solid) and train (dashed) accuracy after each epoch; with label noise, train on the noisy labels and on the clean ones', kind: 'percent', curves: [{ series: 'testAccuracy', label: 'test' }, { series: 'trainAccuracy', label: 'train', dashed: true }, { series: 'trainCleanAccuracy', label: 'train, clean labels', dashed: true }], emptyText: 'No epoch finished yet' },
  { name: 'testLoss', title: 'Epoch loss', help: 'Test (solid) and train (dashed) loss after each epoch', kind: 'number', curves: [{ series: 'testLoss', label: 'test' }, { series: 'trainLoss', label: 'train', dashed: true }], emptyText: 'No epoch finished yet' },
  { name: 'learningRate', title: 'Learning rate', help: stepHelp('learningRate', ', per step'), kind: 'number', smooth: false, curves: [stepCurve('learningRate')], emptyText: 'No steps yet' },
  { name: 'gradientNorm', title: '‖g‖', help: stepHelp('gradientNorm', ' (dashed on a run: F-SAM’s gradient average ‖m‖)'), kind: 'number', curves: [stepCurve('gradientNorm'), stepCurve('emaNorm', true)], emptyText: 'No steps yet' },
  { name: 'perturbationNorm', title: '‖e‖', help: stepHelp('perturbationNorm'), kind: 'number', curves: [stepCurve('perturbationNorm')], emptyText: 'No steps yet', unreportedText: 'SGD takes no perturbation' },
  { name: 'gradientEmaCosine', title: 'cos(g, m)', help: `F-SAM: ${stepHelp('gradientEmaCosine')}`, kind: 'number', curves: [stepCurve('gradientEmaCosine')], emptyText: 'No steps yet', unreportedText: 'Only F-SAM keeps a gradient average' },
  { name: 'stepMs', title: 'Step time', help: stepHelp('stepMs'), kind: 'milliseconds', curves: [stepCurve('stepMs')], emptyText: 'No steps yet' },
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

/** What the chart text needs of a run: its optimizer and how many steps it has taken. */
export interface ChartRun {
  optimizer: RunInfo['config']['optimizer']['name'];
  step: number;
}

export function chartRun(run: RunInfo): ChartRun {
  return { optimizer: run.config.optimizer.name, step: run.step };
}

/**
 * What an empty chart says for `runs` (the Run screen's one run, or Compare's): why, when none of their
 * optimizers reports the chart's metric ("SGD takes no perturbed step"); that no step was taken yet when
 * none of those that report it has taken one (a SAM run still queued); else the chart's own text.
 */
export function chartEmptyText(chart: ChartSpec, runs: readonly ChartRun[]): string {
  const series = chart.curves[0]!.series;
  if (!isStepSeries(series)) return chart.emptyText;
  const reporting = runs.filter((run) => reportsMetric(run.optimizer, series));
  if (runs.length > 0 && reporting.length === 0) return chart.unreportedText ?? chart.emptyText;
  if (reporting.some((run) => run.step > 0)) return 'Loading steps…';
  return 'No steps yet';
}

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
