/** The files a run keeps beside the store (checkpoints, exports, reports) and the export formats. */
export interface RunFile {
  id: number;
  kind: 'checkpoint' | 'export' | 'report';
  /** Absolute path on the machine running the service. */
  path: string;
  bytes: number;
  createdAt: number;
  /** Checkpoints: the step they were taken after. */
  step: number | null;
}

/** What a run exports to: a TF.js LayersModel, an ONNX model, its metrics, or an HTML report. */
export const EXPORT_FORMATS = ['tfjs', 'onnx', 'csv', 'json', 'report'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A file an export wrote into the store's files folder (recorded among the run's files). */
export interface ExportedFile {
  fileId: number;
  runId: number;
  /** The name to save it under ("model.json", "run-3-model.onnx"). */
  name: string;
  bytes: number;
  mediaType: string;
  /** Absolute path on the machine running the service. */
  path: string;
}

export interface ExportResult {
  /** One file, or two for tfjs (model.json and the weights.bin it names: keep them side by side). */
  files: ExportedFile[];
}
