/** Writes a model export to disk: a folder with model.json + weights.bin (TF.js) or one .onnx file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ExportableModel } from './exportableModel.js';
import { writeOnnxModel } from './onnx.js';
import { TFJS_WEIGHTS_FILE, writeTfjsLayersModel } from './tfjsLayers.js';

export type ModelFormat = 'tfjs' | 'onnx';

export interface WrittenFile {
  /** File name, e.g. "model.json". */
  name: string;
  path: string;
  bytes: number;
  mediaType: string;
}

export function writeFile(path: string, data: string | Uint8Array, mediaType: string): WrittenFile {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  return { name: basename(path), path, bytes, mediaType };
}

/** `out` is a folder for 'tfjs' (created if missing), the file itself for 'onnx'. */
export function writeModelExport(model: ExportableModel, format: ModelFormat, out: string, version: string): WrittenFile[] {
  if (format === 'onnx') return [writeFile(out, writeOnnxModel(model, version), 'application/octet-stream')];
  const exported = writeTfjsLayersModel(model, version);
  return [
    writeFile(join(out, 'model.json'), JSON.stringify(exported.modelJson), 'application/json'),
    writeFile(join(out, TFJS_WEIGHTS_FILE), exported.weightData, 'application/octet-stream'),
  ];
}
