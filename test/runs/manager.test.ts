/**
 * The run manager with real worker threads on a real SQLite file: queueing, failure isolation, pause,
 * stop and exact resume, and gap-free throttled streaming.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { RunInfo, RunStreamEvent, StepMetrics } from '../../app/api/types.js';
import { RunManager } from '../../app/runs/manager.js';
import { PUSH_INTERVAL_MS } from '../../app/runs/streams.js';
import { StudioStore } from '../../app/store/store.js';
import { readCheckpoint } from '../../app/training/checkpoint.js';
import type { TrainConfig } from '../../app/training/config.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-manager-');
after(() => folder.remove());
let storeCount = 0;

function openManager(concurrency = 1): { store: StudioStore; manager: RunManager; close: () => Promise<void> } {
  const store = StudioStore.open(`${folder.path}/store-${++storeCount}.db`);
  const manager = new RunManager(store, concurrency);
  return {
    store,
    manager,
    close: async () => {
      await manager.shutdown();
      store.close();
    },
  };
}

function start(store: StudioStore, manager: RunManager, config: TrainConfig, name = 'test run'): RunInfo {
  const run = store.createRun({ name, config });
  manager.enqueue(run.id);
  return run;
}

function finalWeights(store: StudioStore, runId: number): Map<string, number[]> {
  const checkpoint = store.latestCheckpoint(runId);
  assert.ok(checkpoint, `run ${runId} has a checkpoint`);
  return new Map(readCheckpoint(checkpoint.path).network.map((t) => [t.name, [...t.values]]));
}

/** Every stored step of a run, checked to be 0..n-1 exactly once. */
function assertStepsComplete(store: StudioStore, runId: number, expected: number): void {
  const steps = store.stepsFrom(runId, 0).map((s) => s.step);
  assert.deepEqual(steps, Array.from({ length: expected }, (_, i) => i), `run ${runId} has every step once, in order`);
}

test('a run trains in a worker thread; its transitions, steps, epochs and checkpoint are stored', async () => {
  const { store, manager, close } = openManager();
  const run = start(store, manager, tinyRunConfig());
  const ended = await manager.waitForEnd(run.id);
  assert.equal(ended.status, 'completed', ended.message ?? '');
  assert.deepEqual(store.transitions(run.id).map((t) => t.status), ['queued', 'running', 'completed']);
  assert.equal(ended.backend, 'wasm');
  assert.equal(ended.step, 16);
  assert.equal(ended.totalSteps, 16);
  assert.equal(ended.epochsDone, 2);
  assert.ok(ended.startedAt !== null && ended.endedAt !== null && ended.endedAt >= ended.startedAt);
  assertStepsComplete(store, run.id, 16);
  const epochs = store.epochs(run.id);
  assert.deepEqual(epochs.map((e) => e.step), [8, 16]);
  assert.equal(ended.bestTestAccuracy, Math.max(...epochs.map((e) => e.test.accuracy)));
  const checkpoint = store.latestCheckpoint(run.id)!;
  assert.equal(checkpoint.step, 16);
  assert.ok(existsSync(checkpoint.path));
  assert.equal(store.files(run.id).filter((f) => f.kind === 'checkpoint').length, 1, 'older checkpoints are replaced');
  await close();
});

test('a terminated worker fails only its own run; a worker that throws fails its run with the error', async () => {
  const { store, manager, close } = openManager(2);
  const doomed = start(store, manager, tinyRunConfig({ epochs: 200 }), 'killed mid-run');
  const survivor = start(store, manager, tinyRunConfig({ epochs: 2, seed: 5 }), 'survivor');
  await until(() => store.getRun(doomed.id).step >= 3, 'the doomed run to train a few steps');
  manager.kill(doomed.id);
  const killed = await manager.waitForEnd(doomed.id);
  assert.equal(killed.status, 'failed');
  assert.match(killed.message ?? '', /terminated/);
  assert.ok(killed.step >= 3, 'its steps so far are kept');
  assert.equal((await manager.waitForEnd(survivor.id)).status, 'completed');

  const broken = start(store, manager, tinyRunConfig({ data: { name: 'idx', path: '/nonexistent/fashion' } }), 'bad data');
  const failed = await manager.waitForEnd(broken.id);
  assert.equal(failed.status, 'failed');
  assert.match(failed.message ?? '', /\/nonexistent\/fashion/);
  // the manager and the process go on
  const next = start(store, manager, tinyRunConfig({ epochs: 1 }), 'after the failures');
  assert.equal((await manager.waitForEnd(next.id)).status, 'completed');
  await close();
});

test('the queue trains at most `concurrency` runs at once, in order', async () => {
  const { store, manager, close } = openManager(1);
  let maxRunning = 0;
  const startedOrder: number[] = [];
  manager.onRunUpdate((run) => {
    if (run.status === 'running' && !startedOrder.includes(run.id)) startedOrder.push(run.id);
    maxRunning = Math.max(maxRunning, store.listRuns().filter((r) => r.status === 'running').length);
  });
  const runs = [1, 2, 3].map((seed) => start(store, manager, tinyRunConfig({ epochs: 1, seed })));
  for (const run of runs) assert.equal((await manager.waitForEnd(run.id)).status, 'completed');
  assert.equal(maxRunning, 1);
  assert.deepEqual(startedOrder, runs.map((r) => r.id));
  await close();
});

for (const [label, config] of [
  ['F-SAM on a CNN with batch norm and SGD momentum', tinyRunConfig({ model: 'cnn', epochs: 6, optimizer: { name: 'fsam', lr: 0.05, momentum: 0.9 } })],
  ['SAM on an MLP with AdamW', tinyRunConfig({ epochs: 6, optimizer: { name: 'sam', base: 'adamw', lr: 0.001 } })],
  [
    'F-SAM on a CNN with crop, flip, cutout and 40 % symmetric label noise',
    tinyRunConfig({
      model: 'cnn',
      epochs: 6,
      optimizer: { name: 'fsam', lr: 0.05, momentum: 0.9 },
      labelNoise: { kind: 'symmetric', fraction: 0.4 },
      augmentation: { crop: true, flip: true, cutout: true, cutoutSize: 6 },
    }),
  ],
] as const) {
  test(`stop and resume, and a killed run resumed: final weights equal an uninterrupted run (${label})`, async () => {
    const { store, manager, close } = openManager();
    const reference = start(store, manager, config, 'uninterrupted');
    assert.equal((await manager.waitForEnd(reference.id)).status, 'completed');
    const expected = finalWeights(store, reference.id);

    // stopped mid-epoch by the user: a checkpoint at the exact step, then continued
    const stopped = start(store, manager, config, 'stopped');
    await until(() => store.getRun(stopped.id).step >= 3, 'the first steps');
    manager.stop(stopped.id);
    const atStop = await manager.waitForEnd(stopped.id);
    assert.equal(atStop.status, 'stopped');
    assert.equal(store.latestCheckpoint(stopped.id)!.step, atStop.step, 'the stop checkpoint is at the last step');
    const events: RunStreamEvent[] = [];
    const unsubscribe = manager.subscribe(stopped.id, 0, (event) => events.push(event));
    manager.resume(stopped.id);
    assert.equal((await manager.waitForEnd(stopped.id)).status, 'completed');
    unsubscribe();
    assert.deepEqual(finalWeights(store, stopped.id), expected);
    assert.ok(atStop.step < 48, `stopped before the end (step ${atStop.step})`);
    assertStepsComplete(store, stopped.id, 48);
    assert.ok(events.some((e) => e.type === 'rewind' && e.step === atStop.step), 'subscribers hear where the run continues');

    // killed as by a crash after its first epoch checkpoint: it continues from that epoch's end
    const crashed = start(store, manager, config, 'crashed');
    await until(() => (store.latestCheckpoint(crashed.id)?.step ?? 0) >= 8 && store.getRun(crashed.id).step >= 10, 'a checkpoint and a few more steps');
    manager.kill(crashed.id, 'interrupted', 'simulated crash');
    const killed = await manager.waitForEnd(crashed.id);
    assert.equal(killed.status, 'interrupted');
    const checkpointStep = store.latestCheckpoint(crashed.id)!.step!;
    assert.equal(checkpointStep % 8, 0, 'a crash leaves the last epoch checkpoint');
    assert.ok(killed.step >= checkpointStep);
    const resumed = manager.resume(crashed.id);
    assert.equal(resumed.step, checkpointStep, 'steps after the checkpoint are dropped, to be trained again');
    assert.equal((await manager.waitForEnd(crashed.id)).status, 'completed');
    assert.deepEqual(finalWeights(store, crashed.id), expected);
    assertStepsComplete(store, crashed.id, 48);
    assert.deepEqual(store.epochs(crashed.id).map((e) => e.epoch), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(
      store.transitions(crashed.id).map((t) => t.status),
      ['queued', 'running', 'interrupted', 'queued', 'running', 'completed'],
    );
    await close();
  });
}

test('pause holds a run between steps and resume continues it', async () => {
  const { store, manager, close } = openManager();
  const run = start(store, manager, tinyRunConfig({ epochs: 6 }));
  await until(() => store.getRun(run.id).step >= 3, 'a few steps');
  assert.equal(manager.pause(run.id).status, 'paused');
  // the step in flight when the pause arrived still lands; then nothing moves
  await new Promise((resolve) => setTimeout(resolve, 300));
  const held = store.getRun(run.id).step;
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(store.getRun(run.id).step, held, 'no step while paused');
  assert.ok(held < 48);
  assert.throws(() => manager.pause(run.id), /only a running run can be paused/);
  assert.equal(manager.resume(run.id).status, 'running');
  assert.equal((await manager.waitForEnd(run.id)).status, 'completed');
  assertStepsComplete(store, run.id, 48);
  assert.deepEqual(store.transitions(run.id).map((t) => t.status), ['queued', 'running', 'paused', 'running', 'completed']);
  await close();
});

test('streaming: history then live tail without gap or duplicate, pushed at most every PUSH_INTERVAL_MS', async () => {
  const { store, manager, close } = openManager();
  // 64 steps per epoch of batch 4: steps take a few milliseconds, far faster than a screen needs them
  const run = start(store, manager, tinyRunConfig({ epochs: 3, batchSize: 4, trainEvalCount: 16 }));
  const early: StepMetrics[] = [];
  const pushTimes: number[] = [];
  let subscribed = false;
  manager.subscribe(run.id, 0, (event) => {
    if (event.type !== 'steps') return;
    early.push(...event.steps);
    if (subscribed) pushTimes.push(performance.now());
  });
  subscribed = true;
  await until(() => store.getRun(run.id).step >= 40, 'steps to be stored before the late subscriber joins');
  const late: StepMetrics[] = [];
  let lateHistory = -1;
  manager.subscribe(run.id, 0, (event) => {
    if (event.type === 'steps') late.push(...event.steps);
  });
  lateHistory = late.length;
  const fromMiddle: number[] = [];
  manager.subscribe(run.id, 20, (event) => {
    if (event.type === 'steps') fromMiddle.push(...event.steps.map((s) => s.step));
  });
  assert.equal((await manager.waitForEnd(run.id)).status, 'completed');
  await new Promise((resolve) => setTimeout(resolve, PUSH_INTERVAL_MS * 3));

  const all = Array.from({ length: 192 }, (_, i) => i);
  assert.deepEqual(early.map((s) => s.step), all);
  assert.ok(lateHistory >= 40, `the late subscriber got the history first (${lateHistory} steps)`);
  assert.deepEqual(late.map((s) => s.step), all);
  assert.deepEqual(fromMiddle, all.slice(20));
  assert.ok(pushTimes.length < 192 / 2, `steps are batched: ${pushTimes.length} pushes for 192 steps`);
  const gaps = pushTimes.slice(1).map((t, i) => t - pushTimes[i]!);
  // a push may come sooner only when a status change forces it out at once (an epoch's end is not one)
  const tooSoon = gaps.filter((gap) => gap < PUSH_INTERVAL_MS - 5);
  assert.ok(tooSoon.length <= 2, `pushes at most every ${PUSH_INTERVAL_MS} ms; gaps ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
  await close();
});
