/**
 * A training worker thread: trains one run and reports to the run manager. Steps are posted in batches
 * (every STEP_FLUSH_MS, and before anything else is posted) — one message per step would flood the main
 * side when steps take a millisecond.
 */
import { mkdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { StepMetrics } from '../domain/index.js';
import { loadDataset } from '../data/index.js';
import { initBackend, releaseBackend } from '../engine/backend.js';
import { readCheckpoint, writeCheckpoint } from '../training/checkpoint.js';
import { Trainer } from '../training/trainer.js';
import type { ManagerToWorker, WorkerTask, WorkerToManager } from './protocol.js';

const STEP_FLUSH_MS = 50;
/**
 * Training yields the CPU to the window and the main process: a run uses every idle cycle, but the UI
 * (the renderer, the charts, the IPC that feeds them) comes first when both want the CPU. The worker's
 * thread takes the nice value it started with (the app's own, whatever that is) plus 10, a lower priority,
 * capped at 19 (the lowest). On Linux the nice value belongs to a thread, so this lowers only this worker;
 * elsewhere setPriority(0) would lower the whole app, so it is left alone there.
 */
const TRAINING_NICENESS_STEP = 10;
const LOWEST_PRIORITY = 19;

/** The nice value a training thread takes when started from a thread at `own`. */
function trainingNiceness(own: number): number {
  return Math.min(own + TRAINING_NICENESS_STEP, LOWEST_PRIORITY);
}

function yieldCpuToTheInterface(): void {
  if (process.platform !== 'linux') return;
  try {
    // a new thread starts at its creator's nice value: the manager's, hence the app's
    setPriority(0, trainingNiceness(getPriority(0)));
  } catch {
    // not permitted (a container's seccomp profile): train at normal priority
  }
}

if (!parentPort) throw new Error('app/runs/worker.js runs as a worker thread of the run manager');
const port = parentPort;
const task = workerData as WorkerTask;

const post = (message: WorkerToManager) => port.postMessage(message);

async function train(): Promise<void> {
  yieldCpuToTheInterface();
  const backend = await initBackend();
  const dataset = await loadDataset(task.config.data);
  const trainer = new Trainer(task.config, dataset);
  mkdirSync(task.runFolder, { recursive: true });
  const resumeFrom = task.resumeFrom ? readCheckpoint(task.resumeFrom) : undefined;

  let pending: StepMetrics[] = [];
  let lastFlush = performance.now();
  let paused = false;
  const flush = () => {
    if (pending.length > 0) post({ type: 'steps', steps: pending });
    pending = [];
    lastFlush = performance.now();
  };
  port.on('message', (message: ManagerToWorker) => {
    paused = message.type === 'pause';
    if (message.type === 'pause') trainer.pause();
    else if (message.type === 'unpause') trainer.unpause();
    else if (message.type === 'stop') trainer.stop();
    // a paused run must show every step it finished, not hold them until it continues
    if (paused) flush();
  });
  try {
    for await (const event of trainer.run(resumeFrom)) {
      if (event.type === 'step') {
        pending.push(event.record);
        if (paused || performance.now() - lastFlush >= STEP_FLUSH_MS) flush();
        continue;
      }
      flush();
      switch (event.type) {
        case 'started':
          post({ type: 'started', backend: backend.name, device: backend.device, parameterCount: event.parameterCount, stepsPerEpoch: event.stepsPerEpoch, totalSteps: event.totalSteps, classNames: [...dataset.classNames], resumedAtStep: event.resumedAtStep });
          break;
        case 'epoch':
          post({ type: 'epoch', epoch: event.record });
          break;
        case 'checkpoint': {
          const step = event.checkpoint.progress.step;
          const path = join(task.runFolder, `checkpoint-step-${step}.ckpt`);
          const bytes = writeCheckpoint(path, event.checkpoint);
          post({ type: 'checkpoint', path, bytes, step });
          break;
        }
        case 'finished':
          post({ type: 'finished', summary: event.summary });
          break;
      }
    }
  } finally {
    trainer.dispose();
    await releaseBackend(backend);
  }
}

// an error thrown here reaches the manager as the worker's 'error' event, which fails the run with its message
await train();
// the message listener keeps the port open; the run is over, so let the thread end
port.close();
