/**
 * Runs on webgpu (Dawn in the run's worker thread; lavapipe where there is no GPU): the worker records the
 * adapter, and stopping, resuming and deleting a run in the middle of its steps never terminates a thread
 * with GPU work pending — Dawn would abort the whole process, so this file finishing is the proof.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadWebGpu, releaseWebGpu } from '../../app/engine/webgpu.js';
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
