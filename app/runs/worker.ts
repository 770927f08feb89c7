/**
 * A training worker thread: trains one run and reports to the run manager (trainingReport.ts: steps in
 * batches, then the epoch, checkpoint and end reports); it writes its checkpoints into the run's folder.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadDataset } from '../data/index.js';
import { initBackend, releaseBackend } from '../engine/backend.js';
import { readCheckpoint } from '../training/checkpoint.js';
import { Trainer } from '../training/trainer.js';
import { saveRunCheckpoint } from './checkpointFile.js';
import type { ManagerToWorker, WorkerTask, WorkerToManager } from './protocol.js';
import { TrainingReport } from './trainingReport.js';

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
  const resumeFrom = task.resumeFrom ? readCheckpoint(task.resumeFrom) : undefined;

  const report = new TrainingReport<WorkerToManager>({
    trainer,
    backend,
    classNames: dataset.classNames,
    post,
    checkpointReport: (checkpoint) => saveRunCheckpoint(task.runFolder, checkpoint),
  });
  port.on('message', (message: ManagerToWorker) => report.control(message));
  try {
    await report.run(resumeFrom);
  } finally {
    trainer.dispose();
    await releaseBackend(backend);
  }
}

// an error thrown here reaches the manager as the worker's 'error' event, which fails the run with its message
await train();
// the message listener keeps the port open; the run is over, so let the thread end
port.close();
