/**
 * A worker thread that writes one model export: rebuilding the network from its checkpoint, reading its data
 * set for the normaliser and encoding up to hundreds of megabytes of weights would otherwise hold the main
 * process (the window's IPC, the web shell, the metric streams) for seconds, and keep TF.js memory there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, releaseBackend } from '../engine/backend.js';
import type { TrainConfig } from '../training/config.js';
import { loadTrainedModel } from '../training/trainedModel.js';
import { readExportableModel } from './exportableModel.js';
import { writeModelExport, type ModelFormat, type WrittenFile } from './modelFiles.js';

export interface ModelExportTask {
  config: TrainConfig;
  checkpointPath: string;
  /** The run's class names (from the store); empty: the data set's. */
  classNames: string[];
  /** Describes the run in the file's metadata; "{step}" is replaced by the checkpoint's step. */
  description: string;
  format: ModelFormat;
  out: string;
  version: string;
}

export type ModelExportReply = { ok: true; files: WrittenFile[]; step: number } | { ok: false; message: string };

export async function runModelExport(task: ModelExportTask): Promise<{ files: WrittenFile[]; step: number }> {
  const backend = await initBackend();
  const trained = await loadTrainedModel(task.config, task.checkpointPath);
  try {
    const classNames = task.classNames.length > 0 ? task.classNames : trained.dataset.classNames;
    const model = await readExportableModel(trained.network, trained.normalizer, classNames, task.description.replace('{step}', String(trained.step)));
    return { files: writeModelExport(model, task.format, task.out, task.version), step: trained.step };
  } finally {
    trained.dispose();
    await releaseBackend(backend);
  }
}

if (parentPort && workerData?.kind === 'model-export') {
  const port = parentPort;
  runModelExport(workerData.task as ModelExportTask).then(
    ({ files, step }) => port.postMessage({ ok: true, files, step } satisfies ModelExportReply),
    (error: unknown) => port.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies ModelExportReply),
  );
}
