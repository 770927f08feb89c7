/**
 * An analysis worker thread: rebuilds one run's trained network from its checkpoint, measures it
 * (app/analysis/runAnalysis.ts) and posts progress and the result. It writes nothing: the main side owns the
 * store. A thrown error reaches the manager as the worker's 'error' event, which fails the analysis.
 * Asked to stop (the job helper's STOP_MESSAGE), it ends at its next progress point without a result, so it
 * is not terminated in the middle of a computation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, releaseBackend } from '../engine/backend.js';
import { STOP_MESSAGE } from '../jobs/workerJob.js';
import { loadTrainedModel } from '../training/trainedModel.js';
import type { AnalysisTask, AnalysisWorkerMessage } from './protocol.js';
import { analyzeTrainedModel } from './runAnalysis.js';

/** Progress messages at most this often: a screen polling the store needs no more. */
const PROGRESS_EVERY_MS = 200;

if (!parentPort) throw new Error('app/analysis/worker.js runs as a worker thread of the analysis manager');
const port = parentPort;
const task = workerData as AnalysisTask;
const post = (message: AnalysisWorkerMessage) => port.postMessage(message);

/** Thrown from the progress callback once a stop was asked for: unwinds the analysis, freeing its tensors. */
class StopRequested extends Error {}
let stopRequested = false;
port.on('message', (message: { type?: unknown }) => {
  if (message?.type === STOP_MESSAGE.type) stopRequested = true;
});

const backend = await initBackend();
const model = await loadTrainedModel(task.config, task.checkpointPath);
try {
  let lastPost = 0;
  const result = await analyzeTrainedModel(model, task.options, {
    backend: backend.name,
    onProgress: (progress) => {
      if (stopRequested) throw new StopRequested();
      const now = performance.now();
      if (now - lastPost < PROGRESS_EVERY_MS) return;
      lastPost = now;
      post({ type: 'progress', progress });
    },
  });
  post({ type: 'result', result });
} catch (error) {
  if (!(error instanceof StopRequested)) throw error;
} finally {
  model.dispose();
  await releaseBackend(backend);
  // the message listener keeps the port open; the analysis is over, so let the thread end
  port.close();
}
