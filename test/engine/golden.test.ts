/**
 * Golden trajectories (fsam-golden/1, see test/fixtures/golden/README.md): every fixture in the repository's
 * test/fixtures/golden, and in every folder FSAM_GOLDEN_DIR adds, is replayed (on wasm, cpu and webgpu) with the product's own model builder and optimizers, on the wasm and the cpu backends, and every
 * loss, perturbed loss, perturbation norm and weight is checked within |a − e| ≤ 1e-5 + 1e-4·|e|.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, type BackendName } from '../../app/engine/backend.js';
import { loadWebGpu } from '../../app/engine/webgpu.js';
import { loadFixtures } from '../support/goldenFixtures.js';
import { replay, replayLine } from '../support/goldenReplay.js';
import { goldenDirs } from '../support/paths.js';

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
      t.diagnostic(replayLine(backend, fixture, tracker));
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

