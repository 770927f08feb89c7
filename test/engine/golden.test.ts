/**
 * Golden trajectories (fsam-golden/1, see test/fixtures/golden/README.md): every fixture in the repository's
 * test/fixtures/golden, and in every folder FSAM_GOLDEN_DIR adds, is replayed (on wasm, cpu and webgpu) with the product's own model builder and optimizers, on the wasm and the cpu backends, and every
 * loss, perturbed loss, perturbation norm and weight is checked within |a − e| ≤ 1e-5 + 1e-4·|e|.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, type BackendName } from '../../app/engine/backend.js';
import { loadWebGpu } from '../../app/engine/webgpu.js';
import { Network } from '../../app/models/network.js';
import { parseModelSpec } from '../../app/models/spec.js';
import { softmaxCrossEntropy } from '../../app/models/loss.js';
import { parseOptimizerConfig } from '../../app/optim/config.js';
import { TrainingOptimizer, unpackStepMetrics } from '../../app/optim/trainingOptimizer.js';
import { goldenDirs } from '../support/paths.js';

interface GoldenTensor {
  shape: number[];
  values: number[];
}
interface GoldenFixture {
  format: string;
  name: string;
  model: unknown;
  weights: { name: string; shape: number[]; values: number[] }[];
  batches: { x: GoldenTensor; y: number[] }[];
  loss: string;
  optimizer: Record<string, unknown>;
  steps: { loss: number; perturbedLoss: number | null; perturbationNorm: number | null; weights: { name: string; values: number[] }[] }[];
}

const ABSOLUTE_TOLERANCE = 1e-5;
const RELATIVE_TOLERANCE = 1e-4;

/** The worst comparison seen: its absolute error and the fraction of the tolerance it used. */
class ErrorTracker {
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

/** Every fixture of every golden folder; those of added folders are named with their folder. */
function loadFixtures(): { file: string; fixture: GoldenFixture }[] {
  return goldenDirs.flatMap((dir, index) => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const label = (file: string) => (index === 0 ? file : `${basename(dir)}/${file}`);
    return files.map((file) => ({ file: label(file), fixture: JSON.parse(readFileSync(join(dir, file), 'utf8')) as GoldenFixture }));
  });
}

function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null));
}

async function replay(fixture: GoldenFixture): Promise<ErrorTracker> {
  assert.equal(fixture.format, 'fsam-golden/1');
  assert.equal(fixture.loss, 'softmax_cross_entropy_mean', `${fixture.name}: unsupported loss ${fixture.loss}`);
  const network = new Network(parseModelSpec(fixture.model), {
    initialWeights: new Map(fixture.weights.map((w) => [w.name, w.values])),
  });
  assert.deepEqual(
    network.declarations.map((d) => [d.name, d.shape]),
    fixture.weights.map((w) => [w.name, w.shape]),
    'the network declares the fixture weights in order',
  );
  const optimizer = new TrainingOptimizer(parseOptimizerConfig(withoutNulls(fixture.optimizer)), network.parameters);
  const learningRate = fixture.optimizer.lr as number;
  const tracker = new ErrorTracker();
  const classes = network.classCount;
  for (const [t, expected] of fixture.steps.entries()) {
    const batch = fixture.batches[t]!;
    const x = tf.tensor(batch.x.values, batch.x.shape);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.y, "int32"), classes) as tf.Tensor2D);
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
      assert.equal(actualWeights[i]!.name, w.name);
      w.values.forEach((value, j) => tracker.compare(`step ${t} ${w.name}[${j}]`, actualWeights[i]!.values[j]!, value));
    });
  }
  optimizer.dispose();
  network.dispose();
  return tracker;
}

const fixtures = loadFixtures();

test('golden fixtures are present: the repository\'s own eight, plus any FSAM_GOLDEN_DIR adds', () => {
  const own = readdirSync(goldenDirs[0]!).filter((f) => f.endsWith('.json'));
  assert.ok(own.length >= 8, `expected the eight golden fixtures in ${goldenDirs[0]}, found ${own.length}`);
  for (const dir of goldenDirs.slice(1)) assert.ok(readdirSync(dir).some((f) => f.endsWith('.json')), `FSAM_GOLDEN_DIR folder ${dir} holds no *.json fixture`);
  assert.equal(new Set(fixtures.map((f) => f.file)).size, fixtures.length);
});

/**
 * webgpu runs where an adapter is (lavapipe, installed by .ci/run, on a machine without a GPU); elsewhere
 * its cases are skipped, saying why. So does tensorflow, where its optional package did not install.
 */
async function unavailable(backend: BackendName): Promise<string | undefined> {
  try {
    await loadBackend(backend);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
const noWebGpu = await unavailable('webgpu');
// native TensorFlow (CUDA where tfjs-node-gpu installs) is optional: replayed where it loads (scripts/gpu-check.sh)
const noTensorflow = await unavailable('tensorflow');

for (const backend of ['wasm', 'cpu', 'webgpu', 'tensorflow'] as BackendName[]) {
  for (const { file, fixture } of fixtures) {
    const skip = backend === 'webgpu' ? noWebGpu : backend === 'tensorflow' ? noTensorflow : undefined;
    test(`golden ${file} on ${backend}`, { skip }, async (t) => {
      await loadBackend(backend);
      const before = tf.memory().numTensors;
      const tracker = await replay(fixture);
      const line = `${backend.padEnd(4)} ${fixture.name.padEnd(18)} largest error ${tracker.maxAbsoluteError.toExponential(2)} (${(100 * tracker.maxToleranceUsed).toFixed(2)}% of tolerance, at ${tracker.worst})`;
      t.diagnostic(line);
      assert.deepEqual(tracker.failures, [], `${fixture.name} on ${backend} left the tolerance`);
      assert.equal(tf.memory().numTensors, before, 'replaying a fixture leaves no tensors behind');
    });
  }
}

test('on a GPU that allows only 8 storage buffers per stage, webgpu splits AddN and the CNN fixtures still pass', { skip: noWebGpu }, async (t) => {
  // the adapter here allows more; the device is asked for WebGPU's default, as many real GPUs give
  await loadWebGpu(true, 8);
  try {
    for (const { file, fixture } of fixtures.filter((f) => f.fixture.name.startsWith('cnn'))) {
      const tracker = await replay(fixture);
      t.diagnostic(`webgpu (8 storage buffers) ${fixture.name}: largest error ${tracker.maxAbsoluteError.toExponential(2)} (${(100 * tracker.maxToleranceUsed).toFixed(2)}% of tolerance)`);
      assert.deepEqual(tracker.failures, [], `${file} with 8 storage buffers`);
    }
  } finally {
    await loadWebGpu(true);
  }
});

