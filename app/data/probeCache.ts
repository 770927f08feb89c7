/**
 * Probes of the data sets that run configurations name, kept while their files stay the same. The New run
 * form asks the service to check its config as the user types, and a CSV probe reads the whole file once
 * and a folder probe opens every image: a repeated check of an unchanged set costs a few stat calls.
 *
 * "Unchanged" is judged by a fingerprint of modification times and sizes: the path itself, the entries
 * directly inside a folder, and the entries of the subfolders a layout names (train/, test/, the CIFAR
 * archive's folder). A class folder's time changes when an image is added, removed or renamed; an image
 * rewritten in place is not noticed until one of those happens (its run then fails with the file named).
 * Failed probes are kept too: a bad file is not re-read on every keystroke, and fixing it changes it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILTIN_DATASET_NAME } from './builtin.js';
import type { DatasetOutline } from './dataset.js';
import { isDownloadable } from './download/catalog.js';
import { COMPLETE_MARKER, datasetCacheFolder, resolveDataCache } from './download/cache.js';
import { probeDataset, type DatasetSpec } from './index.js';

/** Subfolders whose entries the fingerprint looks into: the layouts' own names, never every class folder's images. */
const LAYOUT_FOLDERS = new Set(['train', 'test', 'cifar-10-batches-bin', 'cifar-100-binary']);

function statSignature(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return '-';
  }
}

function folderSignature(folder: string, depth: number): string[] {
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return ['unlistable'];
  }
  const parts: string[] = [];
  for (const name of names) {
    const path = join(folder, name);
    parts.push(`${name}=${statSignature(path)}`);
    if (depth > 0 && LAYOUT_FOLDERS.has(name)) parts.push(`${name}/[${folderSignature(path, depth - 1).join(',')}]`);
  }
  return parts;
}

/** Changes when the files a spec names (probably) do; '' for the generated set. */
export function datasetFingerprint(spec: DatasetSpec): string {
  if (spec.name === BUILTIN_DATASET_NAME) return '';
  let folder: string;
  let marker = '';
  if (spec.path !== undefined) {
    folder = resolve(spec.path);
  } else if (isDownloadable(spec.name)) {
    folder = datasetCacheFolder(resolveDataCache(), spec.name);
    marker = statSignature(join(folder, COMPLETE_MARKER));
  } else {
    return '';
  }
  const own = statSignature(folder);
  let inside: string[] = [];
  try {
    if (statSync(folder).isDirectory()) inside = folderSignature(folder, 1);
  } catch {
    // the probe says what is wrong with the path
  }
  return [folder, marker, own, ...inside].join('|');
}

export class DatasetProbeCache {
  private readonly entries = new Map<string, { fingerprint: string; outline: Promise<DatasetOutline> }>();

  constructor(private readonly limit = 16) {}

  /** probeDataset(spec), or the kept result while the spec's files have not changed. */
  probe(spec: DatasetSpec): Promise<DatasetOutline> {
    const key = JSON.stringify(spec);
    const fingerprint = datasetFingerprint(spec);
    const kept = this.entries.get(key);
    this.entries.delete(key);
    if (kept !== undefined && kept.fingerprint === fingerprint) {
      this.entries.set(key, kept); // the most recently used goes last
      return kept.outline;
    }
    const outline = probeDataset(spec);
    // kept as a promise, so that checks of one spec at once share one probe; a rejection is read by each caller
    outline.catch(() => {});
    this.entries.set(key, { fingerprint, outline });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return outline;
  }
}
