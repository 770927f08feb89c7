/**
 * From stored points to the lines a chart draws: x by step, epoch or wall time; smoothing with the raw curve
 * kept faintly beneath; the seeds of one comparison arm as a mean line inside a band.
 */
import { aggregateCurves } from './aggregate.js';
import type { BandKind, Curve } from './aggregate.js';
import type { SeriesPoints } from './runSeries.js';
import { smoothDebiased } from './smoothing.js';

export type XAxisMode = 'step' | 'epoch' | 'time';
export const X_AXIS_MODES: readonly XAxisMode[] = ['step', 'epoch', 'time'];

export interface ChartPoint {
  x: number;
  y: number;
}

/** main: the curve (smoothed when smoothing is on); raw: the unsmoothed curve beneath; band*: the spread over seeds. */
export type LineRole = 'main' | 'raw' | 'bandLow' | 'bandHigh';

export interface ChartLine {
  /** Stable across updates, so the chart updates the same dataset in place. */
  id: string;
  /** Lines of one group share a legend entry and are hidden and shown together. */
  group: string;
  label: string;
  color: string;
  role: LineRole;
  data: ChartPoint[];
  dashed?: boolean;
  /** Draw point markers (epoch metrics have few points). */
  markers?: boolean;
}

/** One run's curve of one metric, with how to draw it. */
export interface CurveSource {
  points: SeriesPoints;
  /** For the epoch axis (x = steps / stepsPerEpoch); null while unknown. */
  stepsPerEpoch: number | null;
  /** Per-step metrics are smoothed; per-epoch ones have too few points. */
  smooth: boolean;
}

export interface LineStyle {
  group: string;
  label: string;
  color: string;
  dashed?: boolean;
  markers?: boolean;
}

export function xValues(points: SeriesPoints, mode: XAxisMode, stepsPerEpoch: number | null): number[] {
  switch (mode) {
    case 'step':
      return points.steps;
    case 'epoch': {
      const perEpoch = stepsPerEpoch !== null && stepsPerEpoch > 0 ? stepsPerEpoch : 1;
      return points.steps.map((step) => step / perEpoch);
    }
    case 'time':
      return points.elapsedMs.map((ms) => ms / 1000);
  }
}

export function toCurve(source: CurveSource, mode: XAxisMode, smoothing: number): Curve {
  const x = xValues(source.points, mode, source.stepsPerEpoch);
  const y = source.smooth && smoothing > 0 ? smoothDebiased(source.points.values, smoothing) : source.points.values;
  return { x, y };
}

export function zipPoints(x: readonly number[], y: readonly number[]): ChartPoint[] {
  const points: ChartPoint[] = [];
  for (let index = 0; index < x.length; index++) {
    const value = y[index]!;
    if (Number.isFinite(value)) points.push({ x: x[index]!, y: value });
  }
  return points;
}

/** One run's lines: the smoothed curve over its raw curve, or just the curve. */
export function runLines(source: CurveSource, style: LineStyle, mode: XAxisMode, smoothing: number): ChartLine[] {
  const base = { group: style.group, label: style.label, color: style.color, dashed: style.dashed, markers: style.markers };
  const raw = toCurve(source, mode, 0);
  if (!source.smooth || !(smoothing > 0)) {
    return [{ ...base, id: `${style.group}:main`, role: 'main', data: zipPoints(raw.x, raw.y) }];
  }
  const smoothed = toCurve(source, mode, smoothing);
  return [
    { ...base, id: `${style.group}:raw`, role: 'raw', data: zipPoints(raw.x, raw.y) },
    { ...base, id: `${style.group}:main`, role: 'main', data: zipPoints(smoothed.x, smoothed.y) },
  ];
}

/** An arm's lines: its only run as `runLines`, or several seeds (each smoothed) as mean line and band. */
export function armLines(sources: readonly CurveSource[], style: LineStyle, mode: XAxisMode, smoothing: number, band: BandKind): ChartLine[] {
  const withPoints = sources.filter((source) => source.points.steps.length > 0);
  if (withPoints.length === 0) return [];
  if (withPoints.length === 1) return runLines(withPoints[0]!, style, mode, smoothing);
  const aggregate = aggregateCurves(
    withPoints.map((source) => toCurve(source, mode, smoothing)),
    band,
  );
  const base = { group: style.group, label: style.label, color: style.color, dashed: style.dashed, markers: style.markers };
  return [
    { ...base, id: `${style.group}:low`, role: 'bandLow', data: zipPoints(aggregate.x, aggregate.low) },
    { ...base, id: `${style.group}:high`, role: 'bandHigh', data: zipPoints(aggregate.x, aggregate.high) },
    { ...base, id: `${style.group}:main`, role: 'main', data: zipPoints(aggregate.x, aggregate.mean) },
  ];
}
