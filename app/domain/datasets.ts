/** Data sets as the data layer describes them and the Datasets panel shows them: previews and the download cache. */

export interface DatasetPreviewOptions {
  /** The run's label noise ({ kind, fraction }), applied as a run with `seed` would apply it. */
  labelNoise?: unknown;
  seed?: number;
  /** Sample images per class (default 8, at most 32). */
  perClass?: number;
}

export interface DatasetPreviewSample {
  /** Index of the example in the training split. */
  index: number;
  /** The image as a PNG data URL (data:image/png;base64,…), at its own size. */
  png: string;
  /** The label a run with these options trains on (differs from the class when label noise flipped it). */
  trainLabel: number;
}

export interface DatasetPreview {
  name: string;
  source: string;
  imageShape: [number, number, number];
  classNames: string[];
  trainCount: number;
  testCount: number;
  /** samples[class]: the first `perClass` training examples of that (clean) class. */
  samples: DatasetPreviewSample[][];
  /** Training examples per class as labelled in the data set, and as trained on after label noise. */
  cleanClassCounts: number[];
  trainClassCounts: number[];
  testClassCounts: number[];
  /** Labels that label noise changed, per clean class and in all (zeros without noise). */
  flippedPerClass: number[];
  flipped: number;
  /** The noise rule in words ("none", "symmetric: 40 % of the training labels …"). */
  labelNoise: string;
}


/** A download in progress (`datasetStatus`): the file being fetched and how far it is. */
export interface DatasetDownloadProgress {
  file: string;
  /** 0-based index of the file among the data set's files. */
  fileIndex: number;
  fileCount: number;
  phase: 'download' | 'verify' | 'unpack' | 'done';
  receivedBytes: number;
  /** null while the size is unknown. */
  totalBytes: number | null;
}

/** A public data set the studio can download, and its state in the cache. */
export interface DatasetCacheEntry {
  /** The data set name a run uses ("fashion-mnist", "cifar10", …). */
  name: string;
  title: string;
  description: string;
  /** Downloaded, verified and ready to train on. */
  cached: boolean;
  folder: string;
  /** Bytes on disk (including an unfinished download). */
  bytes: number;
  downloadedAt: number | null;
  /** The download in progress, or null. */
  download: DatasetDownloadProgress | null;
  /** Why the last download in this process failed, or null. */
  lastError: string | null;
}

export interface DatasetStatus {
  cacheFolder: string;
  datasets: DatasetCacheEntry[];
}
