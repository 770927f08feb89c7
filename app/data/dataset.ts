/**
 * The in-memory shape of every image data set the studio trains on.
 *
 * Images stay uint8 (one quarter of the memory of float32); a mini-batch is gathered and scaled to float32
 * [0, 1] only when it is drawn (`batchToFloat`).
 */

export interface DataSplit {
  /** count × H × W × C bytes, row-major NHWC, 0..255. Empty when the split holds `features` instead. */
  images: Uint8Array;
  /**
   * Tabular data sets (CSV): count × F float32 feature values, used as they are (no /255). The data set's
   * imageShape is then [1, 1, F], so per-channel standardisation is per-feature standardisation.
   */
  features?: Float32Array;
  /** count class indices, each < classNames.length. */
  labels: Uint8Array;
  count: number;
}

export interface ImageDataset {
  name: string;
  classNames: string[];
  /** [height, width, channels] of one example. */
  imageShape: [number, number, number];
  train: DataSplit;
  test: DataSplit;
  /** Where the data came from, for people: "generated shapes10, seed 1, …" or "IDX files in /path". */
  source: string;
}

/**
 * What a data set will be, known without loading it (headers, file sizes, folder listings, one pass over a
 * CSV): enough to check a run's configuration against it — does the model fit the input, is the batch no
 * larger than the training split — before anything is stored or a worker starts.
 */
export interface DatasetOutline {
  name: string;
  classCount: number;
  imageShape: [number, number, number];
  trainCount: number;
  testCount: number;
  /** As ImageDataset.source, for people. */
  source: string;
}

/** Bytes (= floats) per example of a split, derived from its buffer so a split can be used on its own. */
export function exampleSize(split: DataSplit): number {
  if (split.count === 0) return 0;
  return (split.features ?? split.images).length / split.count;
}

const BYTE_TO_UNIT = (() => {
  const table = new Float32Array(256);
  for (let value = 0; value < 256; value++) table[value] = value / 255;
  return table;
})();

/**
 * Gathers the examples `indices` of `split` into one float32 NHWC buffer scaled to [0, 1].
 *
 * `out` may be reused across batches; it must hold at least indices.length examples. When it is longer
 * (e.g. a full-batch buffer used for a short last batch) the result is a view of its first part.
 */
export function batchToFloat(split: DataSplit, indices: ArrayLike<number>, out?: Float32Array): Float32Array {
  const size = exampleSize(split);
  const needed = indices.length * size;
  let target: Float32Array;
  if (out === undefined) {
    target = new Float32Array(needed);
  } else {
    if (out.length < needed) {
      throw new Error(`batchToFloat: the output buffer holds ${out.length} floats but ${indices.length} examples of ${size} values need ${needed}`);
    }
    target = out.length === needed ? out : out.subarray(0, needed);
  }
  const images = split.images;
  const features = split.features;
  const table = BYTE_TO_UNIT;
  for (let row = 0; row < indices.length; row++) {
    const index = indices[row]!;
    if (!(index >= 0 && index < split.count) || index !== Math.floor(index)) {
      throw new Error(`batchToFloat: example index ${index} (batch row ${row}) is outside 0..${split.count - 1}`);
    }
    if (features !== undefined) {
      target.set(features.subarray(index * size, (index + 1) * size), row * size);
      continue;
    }
    let source = index * size;
    let destination = row * size;
    const end = destination + size;
    while (destination < end) target[destination++] = table[images[source++]!]!;
  }
  return target;
}

/** Gathers the labels of `indices` as int32 (the dtype tf.oneHot wants); `out` reuse works as in batchToFloat. */
export function batchLabels(split: DataSplit, indices: ArrayLike<number>, out?: Int32Array): Int32Array {
  const needed = indices.length;
  let target: Int32Array;
  if (out === undefined) {
    target = new Int32Array(needed);
  } else {
    if (out.length < needed) throw new Error(`batchLabels: the output buffer holds ${out.length} labels but the batch has ${needed}`);
    target = out.length === needed ? out : out.subarray(0, needed);
  }
  for (let row = 0; row < needed; row++) {
    const index = indices[row]!;
    if (!(index >= 0 && index < split.count) || index !== Math.floor(index)) {
      throw new Error(`batchLabels: example index ${index} (batch row ${row}) is outside 0..${split.count - 1}`);
    }
    target[row] = split.labels[index]!;
  }
  return target;
}

/** How many examples of each class a split holds. */
export function classCounts(split: DataSplit, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < split.count; i++) counts[split.labels[i]!]! += 1;
  return counts;
}

/** The first `count` examples of a split, copied (so each array owns its buffer and the rest can be freed). */
export function takeFirst(split: DataSplit, count: number): DataSplit {
  if (count >= split.count) return split;
  const size = exampleSize(split);
  const labels = new Uint8Array(split.labels.subarray(0, count));
  if (split.features !== undefined) return { images: new Uint8Array(0), features: new Float32Array(split.features.subarray(0, count * size)), labels, count };
  return { images: new Uint8Array(split.images.subarray(0, count * size)), labels, count };
}
