/**
 * Exports the service keeps: written into the run's folder of the store (run-N/exports/<time>-<format>/)
 * and recorded among the run's files, so the UI can offer them for download or a save dialog, and they are
 * deleted with their run. The CLI writes wherever --out says instead and records nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportFormat, ExportResult, StudyDetail, StudyExportFormat } from '../domain/index.js';
import type { ComparisonDetail } from '../store/records.js';
import type { StudioStore } from '../store/store.js';
import { writeFile, type WrittenFile } from './modelFiles.js';
import { comparisonReport, DEFAULT_FILE_NAMES, exportRunTo } from './runExport.js';
import { studyCsv, studyJson, studyReportHtml } from './studyExport.js';
import { NotFoundError } from '../validation.js';

/** Exports run `runId` as `format` into the store and records the files. */
export async function storeRunExport(store: StudioStore, runId: number, format: ExportFormat, version: string): Promise<ExportResult> {
  store.getRun(runId);
  const folder = newExportFolder(store, runId, format);
  // tfjs keeps its file names: model.json names weights.bin, and loaders look for both side by side
  const out = format === 'tfjs' ? folder : join(folder, `run-${runId}-${DEFAULT_FILE_NAMES[format]}`);
  const written = await exportRunTo(store, runId, format, out, version);
  return { files: recordFiles(store, runId, format === 'report' ? 'report' : 'export', written) };
}

/** Writes a comparison's HTML report into the store. Comparisons own no files: it is kept (and deleted) with the comparison's first run. */
export function storeComparisonReport(store: StudioStore, detail: ComparisonDetail, version: string): ExportResult {
  const html = comparisonReport(store, detail, version);
  const runId = detail.runs[0]!.id;
  const written = writeFile(join(newExportFolder(store, runId, 'report'), `comparison-${detail.comparison.id}-report.html`), html, 'text/html; charset=utf-8');
  return { files: recordFiles(store, runId, 'report', [written]) };
}

const STUDY_FILES: Record<StudyExportFormat, { name: string; mediaType: string }> = {
  csv: { name: 'cells.csv', mediaType: 'text/csv; charset=utf-8' },
  json: { name: 'results.json', mediaType: 'application/json' },
  report: { name: 'report.html', mediaType: 'text/html; charset=utf-8' },
};

/** Writes a study's results into the store, kept (and deleted) with the study's first run, as comparison reports are. */
export function storeStudyExport(store: StudioStore, detail: StudyDetail, format: StudyExportFormat, version: string): ExportResult {
  const runId = detail.study.runIds[0];
  if (runId === undefined) throw new NotFoundError(`Study ${detail.study.id} has no runs left to export`);
  const optimizerOf = (arm: string) => store.runsOfComparison(detail.study.cells[0]!.comparisonId).find((run) => run.arm === arm)?.config.optimizer.name ?? arm;
  const text = format === 'csv' ? studyCsv(detail) : format === 'json' ? studyJson(detail, version) : studyReportHtml(detail, optimizerOf, version);
  const { name, mediaType } = STUDY_FILES[format];
  const written = writeFile(join(newExportFolder(store, runId, `study-${format}`), `study-${detail.study.id}-${name}`), text, mediaType);
  return { files: recordFiles(store, runId, format === 'report' ? 'report' : 'export', [written]) };
}

function newExportFolder(store: StudioStore, runId: number, format: string): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const base = join(store.runFolder(runId), 'exports', `${stamp}-${format}`);
  let folder = base;
  for (let n = 2; existsSync(folder); n++) folder = `${base}-${n}`;
  return folder;
}

function recordFiles(store: StudioStore, runId: number, kind: 'export' | 'report', written: readonly WrittenFile[]): ExportResult['files'] {
  return store.transaction(() =>
    written.map((file) => ({ fileId: store.addFile(runId, kind, file.path, file.bytes), runId, name: file.name, bytes: file.bytes, mediaType: file.mediaType, path: file.path })),
  );
}
