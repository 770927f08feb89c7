/**
 * Runs on webgpu (Dawn in the run's worker thread; lavapipe where there is no GPU): the worker records the
 * adapter, and stopping, resuming and deleting a run in the middle of its steps never terminates a thread
 * with GPU work pending — Dawn would abort the whole process, so this file finishing is the proof. The
 * analysis and model-export workers run on webgpu as well, and measure what cpu measures.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisManager } from '../../app/analysis/manager.js';
import { DEFAULT_ANALYSIS_OPTIONS } from '../../app/analysis/options.js';
import type { AnalysisResult } from '../../app/domain/analysis.js';
import { loadWebGpu, releaseWebGpu } from '../../app/engine/webgpu.js';
import { exportRunTo } from '../../app/export/runExport.js';
import { RunManager } from '../../app/runs/manager.js';
import { StudioStore } from '../../app/store/store.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

async function webgpuUnavailable(): Promise<string | undefined> {
  try {
    await loadWebGpu(true);
    await releaseWebGpu();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
const skip = await webgpuUnavailable();
const folder = temporaryFolder('fsam-webgpu-runs-');
after(() => folder.remove());

test('a webgpu run records its adapter; stop, resume and delete mid-step leave the process alive', { skip }, async () => {
  process.env.FSAM_BACKEND = 'webgpu';
  const store = StudioStore.open(join(folder.path, 'studio.db'));
  const manager = new RunManager(store, 1);
  try {
    const config = tinyRunConfig({ model: 'cnn', epochs: 50, optimizer: { name: 'fsam', lr: 0.05 } });
    const run = store.createRun({ name: 'webgpu', config });
    manager.enqueue(run.id);
    await until(() => store.getRun(run.id).step >= 3, 'three webgpu steps', 120_000);
    const started = store.getRun(run.id);
    assert.equal(started.backend, 'webgpu');
    assert.match(started.device ?? '', /GPU: /, 'the adapter is recorded with the run');

    manager.stop(run.id);
    const stopped = await manager.waitForEnd(run.id);
    assert.equal(stopped.status, 'stopped', stopped.message ?? '');
    assert.doesNotMatch(stopped.message ?? '', /did not answer/, 'the worker stopped cooperatively, not by being terminated');

    manager.resume(run.id);
    await until(() => store.getRun(run.id).status === 'running' && store.getRun(run.id).step > stopped.step, 'the resumed run to step again', 120_000);
    await manager.delete(run.id);
    assert.equal(store.findRun(run.id), undefined, 'deleted mid-run');

    // the process (and Dawn in it) lives on: another run trains to its end
    const next = store.createRun({ name: 'after', config: tinyRunConfig({ epochs: 1 }) });
    manager.enqueue(next.id);
    const ended = await manager.waitForEnd(next.id);
    assert.equal(ended.status, 'completed', ended.message ?? '');
  } finally {
    delete process.env.FSAM_BACKEND;
    await manager.shutdown();
    store.close();
  }
});

/** An analysis of `runId` on the backend FSAM_BACKEND names, which its worker thread reads as it starts. */
async function analyseOn(backend: string, analyses: AnalysisManager, runId: number): Promise<AnalysisResult> {
  process.env.FSAM_BACKEND = backend;
  try {
    const started = analyses.start(runId, { ...DEFAULT_ANALYSIS_OPTIONS, batches: 2, batchSize: 32, ascentSteps: 3, powerIterations: 6, curvePoints: 5, surfacePoints: 3 });
    const ended = await analyses.waitForEnd(started.id);
    assert.equal(ended.status, 'completed', ended.message ?? '');
    return ended.result!;
  } finally {
    delete process.env.FSAM_BACKEND;
  }
}

test('the analysis and export workers run on webgpu too: the same measurements as cpu, and a model export', { skip }, async () => {
  const store = StudioStore.open(join(folder.path, 'analysis.db'));
  const manager = new RunManager(store, 1);
  const analyses = new AnalysisManager(store);
  try {
    const run = store.createRun({ name: 'to measure', config: tinyRunConfig({ epochs: 1 }) });
    manager.enqueue(run.id);
    assert.equal((await manager.waitForEnd(run.id)).status, 'completed');

    const onGpu = await analyseOn('webgpu', analyses, run.id);
    const onCpu = await analyseOn('cpu', analyses, run.id);
    assert.equal(onGpu.backend, 'webgpu');
    assert.equal(onCpu.backend, 'cpu');
    // float32 on two backends; the power iteration and the ascent amplify rounding a little, so a relative bound
    const near = (a: number, b: number, what: string, relative = 1e-3) => assert.ok(Math.abs(a - b) <= relative * Math.abs(b) + 1e-5, `${what}: webgpu ${a}, cpu ${b}`);
    near(onGpu.loss, onCpu.loss, 'loss');
    near(onGpu.sharpness.mean, onCpu.sharpness.mean, 'SAM sharpness', 1e-2);
    near(onGpu.hessian.topEigenvalue, onCpu.hessian.topEigenvalue, 'top Hessian eigenvalue', 1e-2);
    onGpu.curve.losses.forEach((loss, i) => near(loss, onCpu.curve.losses[i]!, `loss along the direction at α=${onGpu.curve.alphas[i]}`));

    process.env.FSAM_BACKEND = 'webgpu';
    const out = join(folder.path, 'model.onnx');
    const files = await exportRunTo(store, run.id, 'onnx', out, 'test');
    assert.ok(files.some((file) => file.path === out && file.bytes > 1000), `an ONNX file was written: ${JSON.stringify(files)}`);
    assert.ok(statSync(out).size > 1000);
  } finally {
    delete process.env.FSAM_BACKEND;
    await analyses.shutdown();
    await manager.shutdown();
    store.close();
  }
});
