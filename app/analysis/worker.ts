/**
 * An analysis worker thread: rebuilds one run's trained network from its checkpoint, measures it
 * (app/analysis/runAnalysis.ts) and posts progress and the result. It writes nothing: the main side owns the
 * store. A thrown error reaches the manager as the worker's 'error' event, which fails the analysis.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/backend.js';
import { loadTrainedModel } from '../training/trainedModel.js';
import type { AnalysisTask, AnalysisWorkerMessage } from './protocol.js';
import { analyzeTrainedModel } from './runAnalysis.js';

/** Progress messages at most this often: a screen polling the store needs no more. */
const PROGRESS_EVERY_MS = 200;

if (!parentPort) throw new Error('app/analysis/worker.js runs as a worker thread of the analysis manager');
const port = parentPort;
const task = workerData as AnalysisTask;
const post = (message: AnalysisWorkerMessage) => port.postMessage(message);

const backend = await initBackend();
const model = await loadTrainedModel(task.config, task.checkpointPath);
try {
  let lastPost = 0;
  const result = await analyzeTrainedModel(model, task.options, {
    backend: backend.name,
    onProgress: (progress) => {
      const now = performance.now();
      if (now - lastPost < PROGRESS_EVERY_MS) return;
      lastPost = now;
      post({ type: 'progress', progress });
    },
  });
  post({ type: 'result', result });
} finally {
  model.dispose();
}
