/**
 * Export of a run (model, metrics, report) and of a comparison (report), from the store to files: the one
 * place the CLI and the service both call. Writes only new files; nothing stored is changed.
 */
import { optimizerTitle, type ExportFormat } from '../domain/index.js';
import type { ComparisonDetail, RunDetail, RunInfo } from '../store/records.js';
import { startWorkerJob, WorkerExitError } from '../jobs/workerJob.js';
import type { StudioStore } from '../store/store.js';
import { usableConfig } from '../store/storedConfig.js';
import { NotFoundError, StateError } from '../validation.js';
import { metricsCsv, metricsJson } from './metrics.js';
import { writeFile, type WrittenFile } from './modelFiles.js';
import type { ModelExportReply, ModelExportTask } from './modelExportWorker.js';
import { analysisSection } from './analysisSection.js';
import { comparisonReportHtml, runColors, runReportHtml, type ReportCurves, type ReportSection } from './report.js';

export { EXPORT_FORMATS as RUN_EXPORT_FORMATS } from '../domain/index.js';
export type RunExportFormat = ExportFormat;

/** What `out` is for each format: a folder for tfjs (model.json + weights.bin), a file otherwise. */
export const DEFAULT_FILE_NAMES: Record<RunExportFormat, string> = {
  tfjs: 'model',
  onnx: 'model.onnx',
  csv: 'metrics.csv',
  json: 'metrics.json',
  report: 'report.html',
};

export function runDetailOf(store: StudioStore, runId: number): RunDetail {
  return { run: store.getRun(runId), classNames: store.classNames(runId), epochs: store.epochs(runId), transitions: store.transitions(runId), files: store.files(runId) };
}

function curvesOf(store: StudioStore, runId: number): ReportCurves {
  const loss = store.stepSeries(runId, ['loss']).get('loss')!;
  const accuracy = store.epochSeries(runId, 'testAccuracy');
  const pairs = (steps: number[], values: (number | null)[]) =>
    steps.flatMap((step, i) => (values[i] === null || !Number.isFinite(values[i]) ? [] : [[step, values[i]] as [number, number]]));
  return { run: store.getRun(runId), trainLoss: pairs(loss.steps, loss.values), testAccuracy: pairs(accuracy.steps, accuracy.values) };
}

const MODEL_EXPORT_WORKER = new URL('./modelExportWorker.js', import.meta.url);

/** Runs one model export in its own worker thread (see modelExportWorker.ts) and waits for its files. */
async function exportModelInWorker(task: ModelExportTask): Promise<WrittenFile[]> {
  const job = startWorkerJob<ModelExportReply, WrittenFile[]>(MODEL_EXPORT_WORKER, {
    workerData: { kind: 'model-export', task },
    // its one message is the reply: the files, or why there are none
    resultOf: (reply) => {
      if (!reply.ok) throw new Error(reply.message);
      return reply.files;
    },
  });
  try {
    return await job.result;
  } catch (error) {
    if (error instanceof WorkerExitError) throw new Error(`The export worker ended (exit code ${error.exitCode}) before writing ${task.out}`);
    throw error;
  } finally {
    // the export is written (or failed): the thread has nothing left to do
    void job.terminate();
  }
}

async function exportModel(store: StudioStore, detail: RunDetail, format: 'tfjs' | 'onnx', out: string, version: string): Promise<WrittenFile[]> {
  const { run } = detail;
  const checkpoint = store.latestCheckpoint(run.id);
  if (!checkpoint) {
    throw new StateError(
      `Run ${run.id} (${run.status}) has no checkpoint to export: a run saves one at the end of every epoch and when stopped; let it finish an epoch, or resume it`,
    );
  }
  return exportModelInWorker({
    config: usableConfig(run),
    checkpointPath: checkpoint.path,
    classNames: detail.classNames,
    description: `F-SAM Studio run ${run.id} "${run.name}": ${optimizerTitle(run.config.optimizer)} on ${run.config.data.name}, ${run.config.model}, after {step} steps`,
    format,
    out,
    version,
  });
}

/** Writes run `runId`'s export in `format` to `out` (a folder for tfjs, a file otherwise) and lists what it wrote. */
export async function exportRunTo(store: StudioStore, runId: number, format: RunExportFormat, out: string, version: string): Promise<WrittenFile[]> {
  const detail = runDetailOf(store, runId);
  switch (format) {
    case 'tfjs':
    case 'onnx':
      return exportModel(store, detail, format, out, version);
    case 'csv':
      return [writeFile(out, metricsCsv(detail.epochs, store.stepsFrom(runId, 0)), 'text/csv; charset=utf-8')];
    case 'json':
      return [writeFile(out, metricsJson(detail, store.stepsFrom(runId, 0), version), 'application/json')];
    case 'report':
      return [writeFile(out, runReportHtml(detail, curvesOf(store, runId), version, reportSections(store, [detail.run])), 'text/html; charset=utf-8')];
  }
}

export function comparisonReport(store: StudioStore, detail: ComparisonDetail, version: string): string {
  if (detail.runs.length === 0) throw new NotFoundError(`Comparison ${detail.comparison.id} has no runs left to report on`);
  return comparisonReportHtml(detail, detail.runs.map((run) => curvesOf(store, run.id)), version, reportSections(store, detail.runs));
}

/** What a report shows after its summary: the runs' sharpness analyses, when they have any. */
function reportSections(store: StudioStore, runs: readonly RunInfo[]): ReportSection[] {
  const sharpness = analysisSection(runs, store.analyses.ofRuns(runs.map((run) => run.id)), runColors(runs));
  return sharpness ? [sharpness] : [];
}
