/**
 * The download cache: one folder per data set, next to the store's default location
 * (<app data>/fsam-studio/datasets/NAME). A data set counts as cached only once its files were verified and
 * unpacked and the marker file was written last, so a half-finished download is never used.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applicationDataFolder } from '../../platform/location.js';
import { CATALOG, DOWNLOADABLE_DATASETS, type DownloadableDataset } from './catalog.js';
import type { DatasetCacheEntry } from '../../domain/index.js';

export const COMPLETE_MARKER = 'complete.json';
export const CACHE_ENV = 'FSAM_DATA_CACHE';

/** `--cache DIR` wins, then FSAM_DATA_CACHE, then <app data>/fsam-studio/datasets. */
export function resolveDataCache(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env[CACHE_ENV]) return resolve(env[CACHE_ENV]!);
  return join(applicationDataFolder(process.platform, env), 'datasets');
}

export function datasetCacheFolder(cache: string, name: DownloadableDataset): string {
  return join(cache, name);
}

export interface CompleteMarker {
  name: DownloadableDataset;
  files: string[];
  /** Milliseconds since 1970. */
  downloadedAt: number;
  source: string;
}

export function readMarker(cache: string, name: DownloadableDataset): CompleteMarker | undefined {
  const path = join(datasetCacheFolder(cache, name), COMPLETE_MARKER);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CompleteMarker;
  } catch {
    return undefined;
  }
}

/** Bytes under `folder`; entries that cannot be read (a broken link, no permission) count as 0 rather than fail the listing. */
function folderBytes(folder: string): number {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      total += folderBytes(path);
      continue;
    }
    try {
      total += statSync(path).size;
    } catch {
      // not counted
    }
  }
  return total;
}

/** A data set's state in the cache: the API's DatasetCacheEntry without what only a running process knows. */
export type CachedDataset = Omit<DatasetCacheEntry, 'name' | 'download' | 'lastError'> & { name: DownloadableDataset };

export function listCachedDatasets(cache: string): CachedDataset[] {
  return DOWNLOADABLE_DATASETS.map((name) => {
    const folder = datasetCacheFolder(cache, name);
    const marker = readMarker(cache, name);
    return {
      name,
      title: CATALOG[name].title,
      description: CATALOG[name].description,
      cached: marker !== undefined,
      folder,
      bytes: folderBytes(folder),
      downloadedAt: marker?.downloadedAt ?? null,
    };
  });
}

/** The folder to read `name` from, or an error saying how to get it. */
export function requireCachedDataset(cache: string, name: DownloadableDataset): string {
  if (readMarker(cache, name) === undefined) {
    throw new Error(
      `${CATALOG[name].title} is not downloaded yet (looked in ${datasetCacheFolder(cache, name)}); run \`fsam-studio data get ${name}\`, click Download in Settings, or give dataset.path the folder of its files`,
    );
  }
  return datasetCacheFolder(cache, name);
}
