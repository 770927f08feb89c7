/**
 * Replaying one golden trajectory (fsam-golden/1, test/fixtures/golden/README.md) with the product's own
 * model builder and optimizers on whatever TF.js backend is active, and the worst error seen. No Node
 * import: the Node test (test/engine/golden.test.ts) and the GPU host's browser page (test/gpuHost/) share it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Network } from '../../app/models/network.js';
import { parseModelSpec } from '../../app/models/spec.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { parseOptimizerConfig } from '../../app/optim/config.js';
import { TrainingOptimizer, unpackStepMetrics } from '../../app/optim/trainingOptimizer.js';

interface GoldenTensor {
  shape: number[];
  values: number[];
}
export interface GoldenFixture {
  format: string;
  name: string;
  model: unknown;
  weights: { name: string; shape: number[]; values: number[] }[];
  batches: { x: GoldenTensor; y: number[] }[];
  loss: string;
  optimizer: Record<string, unknown>;
  steps: { loss: number; perturbedLoss: number | null; perturbationNorm: number | null; weights: { name: string; values: number[] }[] }[];
}

export const ABSOLUTE_TOLERANCE = 1e-5;
export const RELATIVE_TOLERANCE = 1e-4;

/** The worst comparison seen: its absolute error and the fraction of the tolerance it used. */
export class ErrorTracker {
  maxAbsoluteError = 0;
  maxToleranceUsed = 0;
  worst = '';
  failures: string[] = [];

  compare(where: string, actual: number, expected: number): void {
    const error = Math.abs(actual - expected);
    const allowed = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(expected);
    const used = Number.isNaN(error) ? Infinity : error / allowed;
    if (error > this.maxAbsoluteError || Number.isNaN(error)) this.maxAbsoluteError = Number.isNaN(error) ? NaN : error;
    if (used > this.maxToleranceUsed) {
      this.maxToleranceUsed = used;
      this.worst = where;
    }
    if (!(error <= allowed) && this.failures.length < 5) this.failures.push(`${where}: got ${actual}, expected ${expected}`);
  }
}

/** What a replay found, as plain data (it crosses from a browser page to the test). */
export interface ReplayResult {
  maxAbsoluteError: number;
  maxToleranceUsed: number;
  worst: string;
  failures: string[];
}

function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null));
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

export async function replay(fixture: GoldenFixture): Promise<ReplayResult> {
  check(fixture.format === 'fsam-golden/1', `${fixture.name}: format ${fixture.format}, expected fsam-golden/1`);
  check(fixture.loss === 'softmax_cross_entropy_mean', `${fixture.name}: unsupported loss ${fixture.loss}`);
  const network = new Network(parseModelSpec(fixture.model), {
    initialWeights: new Map(fixture.weights.map((w) => [w.name, w.values])),
  });
  const declared = JSON.stringify(network.declarations.map((d) => [d.name, d.shape]));
  check(declared === JSON.stringify(fixture.weights.map((w) => [w.name, w.shape])), `${fixture.name}: the network declares ${declared}, not the fixture's weights in order`);
  const optimizer = new TrainingOptimizer(parseOptimizerConfig(withoutNulls(fixture.optimizer)), network.parameters);
  const learningRate = fixture.optimizer.lr as number;
  const tracker = new ErrorTracker();
  const classes = network.classCount;
  for (const [t, expected] of fixture.steps.entries()) {
    const batch = fixture.batches[t]!;
    const x = tf.tensor(batch.x.values, batch.x.shape);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.y, 'int32'), classes) as tf.Tensor2D);
    const packed = optimizer.step((w, mode) => softmaxCrossEntropy(network.forward(w, x, mode), labels), learningRate);
    // one asynchronous read per step, as the trainer does (webgpu has no synchronous read in Node)
    const metrics = unpackStepMetrics(await packed.data());
    packed.dispose();
    x.dispose();
    labels.dispose();
    tracker.compare(`step ${t} loss`, metrics.loss!, expected.loss);
    if (expected.perturbedLoss !== null) tracker.compare(`step ${t} perturbedLoss`, metrics.perturbedLoss!, expected.perturbedLoss);
    if (expected.perturbationNorm !== null) tracker.compare(`step ${t} perturbationNorm`, metrics.perturbationNorm!, expected.perturbationNorm);
    const actualWeights = await network.readWeights();
    expected.weights.forEach((w, i) => {
      check(actualWeights[i]!.name === w.name, `step ${t}: weight ${i} is ${actualWeights[i]!.name}, expected ${w.name}`);
      w.values.forEach((value, j) => tracker.compare(`step ${t} ${w.name}[${j}]`, actualWeights[i]!.values[j]!, value));
    });
  }
  optimizer.dispose();
  network.dispose();
  const { maxAbsoluteError, maxToleranceUsed, worst, failures } = tracker;
  return { maxAbsoluteError, maxToleranceUsed, worst, failures };
}

/** The line a test reports for a replay. */
export function replayLine(backend: string, fixture: GoldenFixture, result: ReplayResult): string {
  return `${backend.padEnd(4)} ${fixture.name.padEnd(18)} largest error ${result.maxAbsoluteError.toExponential(2)} (${(100 * result.maxToleranceUsed).toFixed(2)}% of tolerance, at ${result.worst})`;
}
