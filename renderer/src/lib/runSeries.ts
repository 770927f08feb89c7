/**
 * One run's curves in memory: the downsampled history from metricSeries, then the live tail from its
 * stream appended point by point. The tail is kept bounded by downsampling its older part again (LTTB), so
 * a run of 100,000 steps costs a few thousand points however long the page stays open.
 */
import { EPOCH_SERIES, largestTriangleThreeBuckets, STEP_SERIES, stepsDoneAfter } from './contract.js';
import type { EpochMetrics, EpochSeriesName, RunStreamEvent, Series, SeriesName, StepMetrics } from './contract.js';

/** One curve: parallel arrays, sorted by step, finite values only (a null — "does not apply" — is left out). */
export interface SeriesPoints {
  steps: number[];
  elapsedMs: number[];
  values: number[];
}

/** Above this many points a curve is downsampled … */
export const POINT_LIMIT = 4000;
/** … to this many, */
export const COMPACTED_POINTS = 2000;
/** … keeping the newest points as they are. */
export const RAW_TAIL_POINTS = 500;

const EPOCH_VALUES: Record<EpochSeriesName, (epoch: EpochMetrics) => number> = {
  trainLoss: (epoch) => epoch.train.loss,
  trainAccuracy: (epoch) => epoch.train.accuracy,
  testLoss: (epoch) => epoch.test.loss,
  testAccuracy: (epoch) => epoch.test.accuracy,
  // NaN (skipped) for runs without label noise
  trainCleanAccuracy: (epoch) => epoch.train.cleanAccuracy ?? Number.NaN,
};

function emptyPoints(): SeriesPoints {
  return { steps: [], elapsedMs: [], values: [] };
}

export class RunSeries {
  readonly series = new Map<SeriesName, SeriesPoints>();
  /** Every epoch's full evaluation (per-class accuracy, confusion), sorted by epoch. */
  epochs: EpochMetrics[] = [];
  /** Steps done as far as the curves know (history plus tail). */
  lastStep = 0;
  /** Bumped on every change, so views can skip work when nothing moved. */
  version = 0;

  constructor(readonly runId: number) {
    for (const name of [...STEP_SERIES, ...EPOCH_SERIES]) this.series.set(name, emptyPoints());
  }

  points(name: SeriesName): SeriesPoints {
    return this.series.get(name)!;
  }

  loadHistory(history: readonly Series[]): void {
    for (const curve of history) {
      if (curve.runId !== this.runId) continue;
      const points = emptyPoints();
      curve.values.forEach((value, index) => {
        if (value === null || !Number.isFinite(value)) return;
        points.steps.push(curve.steps[index]!);
        points.elapsedMs.push(curve.elapsedMs[index]!);
        points.values.push(value);
      });
      this.series.set(curve.name, points);
      // the loss is recorded at every step, so its last point is where the stream must continue
      if (curve.name === 'loss' && curve.steps.length > 0) this.lastStep = curve.steps[curve.steps.length - 1]!;
    }
    this.version += 1;
  }

  /** Adds epochs from a RunDetail; an epoch already known is replaced. */
  mergeEpochs(epochs: readonly EpochMetrics[]): void {
    for (const epoch of epochs) this.#upsertEpoch(epoch);
    this.version += 1;
  }

  apply(event: RunStreamEvent): void {
    switch (event.type) {
      case 'steps':
        this.#appendSteps(event.steps);
        break;
      case 'epoch':
        this.#upsertEpoch(event.epoch);
        break;
      case 'rewind':
        this.#rewind(event.step);
        break;
      case 'run':
        return;
    }
    this.version += 1;
  }

  #appendSteps(steps: readonly StepMetrics[]): void {
    const touched = new Set<SeriesPoints>();
    for (const metrics of steps) {
      const done = stepsDoneAfter(metrics);
      // a re-sent subscription may repeat the last step
      if (done <= this.lastStep) continue;
      this.lastStep = done;
      for (const name of STEP_SERIES) {
        const value = metrics[name];
        if (value === null || !Number.isFinite(value)) continue;
        const points = this.points(name);
        points.steps.push(done);
        points.elapsedMs.push(metrics.elapsedMs);
        points.values.push(value);
        touched.add(points);
      }
    }
    for (const points of touched) if (points.steps.length > POINT_LIMIT) compact(points);
  }

  #upsertEpoch(epoch: EpochMetrics): void {
    const at = this.epochs.findIndex((known) => known.epoch >= epoch.epoch);
    if (at === -1) this.epochs.push(epoch);
    else if (this.epochs[at]!.epoch === epoch.epoch) this.epochs[at] = epoch;
    else this.epochs.splice(at, 0, epoch);
    for (const name of EPOCH_SERIES) {
      const value = EPOCH_VALUES[name](epoch);
      const points = this.points(name);
      removeWhere(points, (step) => step === epoch.step);
      if (!Number.isFinite(value)) continue;
      let index = points.steps.findIndex((step) => step > epoch.step);
      if (index === -1) index = points.steps.length;
      points.steps.splice(index, 0, epoch.step);
      points.elapsedMs.splice(index, 0, epoch.elapsedMs);
      points.values.splice(index, 0, value);
    }
  }

  #rewind(step: number): void {
    for (const points of this.series.values()) removeWhere(points, (pointStep) => pointStep > step);
    this.epochs = this.epochs.filter((epoch) => epoch.step <= step);
    this.lastStep = Math.min(this.lastStep, step);
  }
}

function removeWhere(points: SeriesPoints, drop: (step: number) => boolean): void {
  const keep = points.steps.map((step) => !drop(step));
  if (keep.every(Boolean)) return;
  points.steps = points.steps.filter((_, index) => keep[index]);
  points.elapsedMs = points.elapsedMs.filter((_, index) => keep[index]);
  points.values = points.values.filter((_, index) => keep[index]);
}

/** Downsamples all but the newest RAW_TAIL_POINTS to keep the curve's shape in fewer points. */
export function compact(points: SeriesPoints): void {
  const headLength = points.steps.length - RAW_TAIL_POINTS;
  const kept = largestTriangleThreeBuckets(points.steps.slice(0, headLength), points.values.slice(0, headLength), COMPACTED_POINTS - RAW_TAIL_POINTS);
  for (let index = headLength; index < points.steps.length; index++) kept.push(index);
  points.steps = kept.map((index) => points.steps[index]!);
  points.elapsedMs = kept.map((index) => points.elapsedMs[index]!);
  points.values = kept.map((index) => points.values[index]!);
}
