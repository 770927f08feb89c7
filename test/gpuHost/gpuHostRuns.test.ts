/**
 * Runs through the GPU host page (build/gpuHost, as the hidden Electron window loads it) in Debian's
 * Chromium on SwiftShader: a real RunManager and a real SQLite store in this process, the page's port
 * bridged to it (test/support/gpuHostBrowser.ts). Steps, epochs and checkpoints land in the store; a stop
 * in the middle of the steps ends the run "stopped" with a checkpoint, cooperatively, and the page lives on:
 * the stopped run resumes from that checkpoint and another run trains to its end after it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCheckpoint } from '../../app/training/checkpoint.js';
import { GpuHostClient } from '../../app/runs/gpuHostClient.js';
import { RunManager } from '../../app/runs/manager.js';
import { StudioStore } from '../../app/store/store.js';
import { GPU_HOST_INDEX_PATH } from '../../main/electron/security.js';
import { launchWebGpuChromium, openHostPage, serveFolder } from '../support/gpuHostBrowser.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-gpu-host-runs-');
after(() => folder.remove());

assert.ok(existsSync(GPU_HOST_INDEX_PATH), `the GPU host page is built (${GPU_HOST_INDEX_PATH}; npm run build)`);
assert.match(readFileSync(GPU_HOST_INDEX_PATH, 'utf8'), /http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self';/, 'the built page carries its policy');

const launched = await launchWebGpuChromium();
const server = await serveFolder(dirname(GPU_HOST_INDEX_PATH));
after(async () => {
  if ('browser' in launched) await launched.browser.close();
  await server.close();
});
const host = 'browser' in launched ? await openHostPage(launched.browser, server.url) : undefined;
// FSAM_BACKEND=webgpu's route: a software adapter (SwiftShader) is used too
const client = host ? new GpuHostClient(host.connection, true) : undefined;
const probed = client ? await client.probe() : undefined;
const skip = 'unavailable' in launched ? launched.unavailable : probed?.adapter ? undefined : `Chromium's WebGPU gave no adapter (${probed?.error})`;

test('runs train on the GPU host page into the store; stop mid-run checkpoints; the page trains on after it', { skip }, async (t) => {
  const store = StudioStore.open(join(folder.path, 'studio.db'));
  const manager = new RunManager(store, 1, client!.launch);
  try {
    const first = store.createRun({ name: 'host', config: tinyRunConfig({ epochs: 1 }) });
    manager.enqueue(first.id);
    const done = await manager.waitForEnd(first.id);
    assert.equal(done.status, 'completed', done.message ?? '');
    assert.equal(done.backend, 'webgpu');
    assert.match(done.device ?? '', /GPU: .*swiftshader/i, "the run records the page's adapter");
    const steps = store.stepsFrom(first.id, 0);
    assert.equal(steps.length, 8, 'every step reached the store');
    assert.deepEqual(steps.map((s) => s.step), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(steps.every((s) => Number.isFinite(s.loss) && s.stepMs > 0));
    assert.equal(store.epochs(first.id).length, 1);
    const checkpoint = store.latestCheckpoint(first.id);
    assert.equal(checkpoint?.step, 8, 'the epoch checkpoint is recorded');
    assert.equal(readCheckpoint(checkpoint!.path).progress.step, 8, 'and written into the run folder by the main side, readable');
    t.diagnostic(`MLP, batch 32, on SwiftShader through the page: median ${median(steps.map((s) => s.stepMs)).toFixed(0)} ms per step`);

    const long = store.createRun({ name: 'stopped', config: tinyRunConfig({ epochs: 50 }) });
    manager.enqueue(long.id);
    await until(() => store.getRun(long.id).step >= 3, 'three steps on the page', 120_000);
    manager.stop(long.id);
    const stopped = await manager.waitForEnd(long.id);
    assert.equal(stopped.status, 'stopped', stopped.message ?? '');
    assert.doesNotMatch(stopped.message ?? '', /did not answer/, 'the page stopped the run itself, between steps');
    const stopCheckpoint = store.latestCheckpoint(long.id);
    assert.equal(stopCheckpoint?.step, stopped.step, 'stopping wrote a checkpoint at the last step');

    // resumed from that checkpoint (read here, handed to the page), then deleted mid-run
    manager.resume(long.id);
    await until(() => store.getRun(long.id).status === 'running' && store.getRun(long.id).step > stopped.step, 'the resumed run to step again', 120_000);
    assert.equal(store.stepsFrom(long.id, 0)[stopped.step]?.step, stopped.step, 'the resumed run continues at the next step');
    await manager.delete(long.id);
    assert.equal(store.findRun(long.id), undefined);

    const next = store.createRun({ name: 'after', config: tinyRunConfig({ epochs: 1, optimizer: { name: 'sgd', lr: 0.05 } }) });
    manager.enqueue(next.id);
    const ended = await manager.waitForEnd(next.id);
    assert.equal(ended.status, 'completed', ended.message ?? '');
    assert.equal(store.stepsFrom(next.id, 0).length, 8);
  } finally {
    await manager.shutdown();
    store.close();
  }
  // quitting: the page ends its device once no run is left, and says so
  await client!.release();
  assert.deepEqual(host!.errors, [], 'the page logged no error');
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
