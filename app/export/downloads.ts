/**
 * Which stored files a shell may hand to the user (a download in the browser, a save dialog on the desktop):
 * only exports and reports recorded in the store, only inside its files folder, only while they exist.
 * Checkpoints stay private: they are the store's working state, not a product.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, relative, isAbsolute } from 'node:path';
import type { StudioStore } from '../store/store.js';

export interface DownloadableFile {
  fileId: number;
  path: string;
  /** The name to save it under. */
  name: string;
  bytes: number;
  mediaType: string;
}

const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export function downloadableFile(store: StudioStore, fileId: number): DownloadableFile | undefined {
  if (!Number.isSafeInteger(fileId) || fileId < 1) return undefined;
  const found = store.findFile(fileId);
  if (!found || (found.file.kind !== 'export' && found.file.kind !== 'report')) return undefined;
  const { path } = found.file;
  const inside = relative(store.filesFolder, path);
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  return { fileId, path, name: basename(path), bytes: statSync(path).size, mediaType: MEDIA_TYPES[extname(path)] ?? 'application/octet-stream' };
}

/** A Content-Disposition header that saves the file under `name`, safe for any characters in it. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
