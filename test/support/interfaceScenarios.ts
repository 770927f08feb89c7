/// <reference lib="dom" />
/**
 * Two heavy moments of the interface, driven the same way by the browser test (which asserts what they must
 * do) and by `npm run bench:interface` (which prints how long they take): opening a run of 100,000 stored
 * steps, and four runs streaming into the Compare screen. The page must be opened with `?perf=1` (its frame
 * probe, renderer/src/lib/perf.ts).
 */
import type { Page } from 'playwright-core';
import type { StepMetrics } from '../../app/api/types.js';
import type { Studio } from './browser.js';
import { tinyRunConfig } from './runs.js';

export async function chartPoints(page: Page, chart: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${chart}`).first().getAttribute('data-points')) ?? '0');
}

/** Stores a finished run of `steps` steps, written the way the run manager writes them; returns its id. */
export function storeLongRun(studio: Studio, steps = 100_000): number {
  const { store } = studio.service;
  const long = store.createRun({ name: `${steps.toLocaleString('en')} steps`, config: tinyRunConfig({ optimizer: { name: 'fsam', lr: 0.05 } }) });
  store.recordStart(long.id, { backend: 'wasm', device: 'CPU', parameterCount: 1, stepsPerEpoch: 1000, totalSteps: steps, classNames: ['a', 'b'] });
  const batch: StepMetrics[] = [];
  for (let step = 0; step < steps; step++) {
    batch.push({ step, epoch: Math.floor(step / 1000), loss: 2.3 * Math.exp(-step / 30_000) + 0.05 * Math.sin(step / 50), perturbedLoss: 2.31 * Math.exp(-step / 30_000), gradientNorm: 1, perturbationNorm: 0.05, emaNorm: 0.5, gradientEmaCosine: 0.3, learningRate: 0.05, stepMs: 3, samplesPerSecond: 10_000, elapsedMs: step * 3 });
    if (batch.length === 1000) store.appendSteps(long.id, batch.splice(0));
  }
  store.appendSteps(long.id, batch);
  store.setStatus(long.id, 'completed');
  return long.id;
}

/** Opens the run's screen; resolves once its loss chart has drawn points, with the milliseconds that took and the points drawn. */
export async function openRunUntilDrawn(page: Page, runId: number): Promise<{ openMs: number; drawn: number }> {
  const openMs = await page.evaluate(async (id) => {
    const started = performance.now();
    location.hash = `#/run/${id}`;
    for (;;) {
      await new Promise(requestAnimationFrame);
      const canvas = document.querySelector('[data-testid="run-screen"] [data-testid="chart-loss"]');
      if (Number(canvas?.getAttribute('data-points') ?? 0) > 0) return performance.now() - started;
    }
  }, runId);
  return { openMs, drawn: await chartPoints(page, 'loss') };
}

export interface StreamingWindow {
  /** Frame-to-frame intervals (ms) while the runs streamed. */
  frameTimes: number[];
  /** Durations (ms) of the page's main-thread tasks over 50 ms in that time. */
  longTasks: number[];
  /** The loss chart's points when the window opened and when it closed. */
  pointsBefore: number;
  pointsAfter: number;
}

/**
 * Starts four small runs, shows them on the Compare screen, and watches `windowMs` (default 5 s) of their
 * streaming: frames, long tasks, the loss chart's growth; then `whileStreaming` (a screenshot) runs. The runs
 * are stopped before it returns.
 */
export async function watchFourRunsStreaming(studio: Studio, options: { windowMs?: number; whileStreaming?: () => Promise<void> } = {}): Promise<StreamingWindow> {
  const { page, service } = studio;
  const runs = await Promise.all([1, 2, 3, 4].map((seed) => service.startRun({ config: tinyRunConfig({ seed, epochs: 30, batchSize: 16, trainEvalCount: 16 }) })));
  try {
    await page.evaluate((ids) => (location.hash = `#/compare?runs=${ids.join(',')}`), runs.map((r) => r.id));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 60_000 });
    const pointsBefore = await chartPoints(page, 'loss');
    await page.evaluate(() => {
      (window as unknown as { __fsamPerf: { frameTimes: number[] } }).__fsamPerf.frameTimes = [];
      // the page's own main-thread work: tasks over 50 ms, to tell slow rendering from a starved machine
      const longTasks: number[] = [];
      (window as unknown as { __longTasks: number[] }).__longTasks = longTasks;
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => longTasks.push(entry.duration))).observe({ type: 'longtask' });
    });
    await page.waitForTimeout(options.windowMs ?? 5_000);
    const frameTimes = await page.evaluate(() => (window as unknown as { __fsamPerf: { frameTimes: number[] } }).__fsamPerf.frameTimes);
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    const pointsAfter = await chartPoints(page, 'loss');
    await options.whileStreaming?.();
    return { frameTimes, longTasks, pointsBefore, pointsAfter };
  } finally {
    for (const run of runs) await service.stopRun(run.id).catch(() => undefined);
  }
}
