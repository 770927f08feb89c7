/**
 * The downloads one process runs for its UI (StudioApi.downloadDataset / datasetStatus): at most one per
 * data set — a second request joins the first — with each one's progress and the last error, and a stop
 * for all of them when the service closes (their .partial files stay, so the next attempt resumes).
 */
import type { DatasetCacheEntry, DatasetDownloadProgress, DatasetStatus } from '../../domain/index.js';
import { listCachedDatasets, resolveDataCache } from './cache.js';
import { CATALOG, type DownloadableDataset } from './catalog.js';
import { CHECKSUMS_ENV, downloadDataset, MIRROR_ENV, readChecksumFile } from './download.js';

export class DatasetDownloads {
  private readonly running = new Map<DownloadableDataset, Promise<DatasetCacheEntry>>();
  private readonly progress = new Map<DownloadableDataset, DatasetDownloadProgress>();
  private readonly errors = new Map<DownloadableDataset, string>();
  private readonly stopper = new AbortController();

  /** Downloads `dataset` into the cache (or joins the download under way); resolves with its cache entry. */
  get(dataset: DownloadableDataset): Promise<DatasetCacheEntry> {
    const running = this.running.get(dataset);
    if (running) return running;
    // the mirror and checksums the CLI takes as flags come from the environment here
    const mirror = process.env[MIRROR_ENV] || undefined;
    const checksumFile = process.env[CHECKSUMS_ENV] || undefined;
    const done = (async () => {
      try {
        await downloadDataset(dataset, {
          cache: resolveDataCache(),
          mirror,
          checksums: checksumFile ? readChecksumFile(checksumFile) : undefined,
          signal: this.stopper.signal,
          onProgress: ({ file, fileIndex, fileCount, phase, receivedBytes, totalBytes }) => {
            this.progress.set(dataset, { file, fileIndex, fileCount, phase, receivedBytes, totalBytes });
          },
        });
        this.errors.delete(dataset);
      } catch (error) {
        this.errors.set(dataset, (error as Error).message);
        throw new Error(`Downloading ${CATALOG[dataset].title} failed — ${(error as Error).message}`);
      } finally {
        this.running.delete(dataset);
        this.progress.delete(dataset);
      }
      return this.status().datasets.find((set) => set.name === dataset)!;
    })();
    this.running.set(dataset, done);
    return done;
  }

  /** Every downloadable data set: cached or not, its download under way, its last error in this process. */
  status(): DatasetStatus {
    const cacheFolder = resolveDataCache();
    return {
      cacheFolder,
      datasets: listCachedDatasets(cacheFolder).map((set) => ({
        ...set,
        download: this.running.has(set.name) ? (this.progress.get(set.name) ?? this.starting(set.name)) : null,
        lastError: this.errors.get(set.name) ?? null,
      })),
    };
  }

  /** Stops every download under way and waits for them to end. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /** The progress of a download that has not reported yet. */
  private starting(dataset: DownloadableDataset): DatasetDownloadProgress {
    const files = CATALOG[dataset].files;
    return { file: files[0]!.name, fileIndex: 0, fileCount: files.length, phase: 'download', receivedBytes: 0, totalBytes: null };
  }
}
