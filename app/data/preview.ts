/**
 * What the New run screen shows about a data set before anything trains: its classes, a few images of
 * each, and how the training labels are distributed once the run's label noise is applied.
 */
import type { DatasetPreview } from '../domain/index.js';
import { classCounts, exampleSize, type ImageDataset } from './dataset.js';
import { applyLabelNoise, type LabelNoise } from './labelNoise.js';
import { pngDataUrl } from './png.js';

export function previewDataset(dataset: ImageDataset, options: { labelNoise?: LabelNoise; seed: number; perClass: number }): DatasetPreview {
  const classes = dataset.classNames.length;
  const [height, width, channels] = dataset.imageShape;
  const { train } = dataset;
  const noisy = options.labelNoise ? applyLabelNoise(train.labels, dataset.classNames, options.labelNoise, options.seed) : null;
  const trainLabels = noisy?.labels ?? train.labels;
  const size = exampleSize(train);
  const samples: DatasetPreview['samples'] = Array.from({ length: classes }, () => []);
  // feature vectors (CSV) have no picture to show: the preview is their class counts alone
  for (let index = 0; train.features === undefined && index < train.count; index++) {
    const shown = samples[train.labels[index]!]!;
    if (shown.length >= options.perClass) continue;
    const pixels = train.images.subarray(index * size, (index + 1) * size);
    // the PNG encoder takes grey or RGB; any other channel count shows its first channel
    const image = channels === 1 || channels === 3 ? pixels : Uint8Array.from({ length: height * width }, (_, i) => pixels[i * channels]!);
    shown.push({ index, png: pngDataUrl(image, width, height, channels === 3 ? 3 : 1), trainLabel: trainLabels[index]! });
    if (samples.every((list) => list.length >= options.perClass)) break;
  }
  return {
    name: dataset.name,
    source: dataset.source,
    imageShape: dataset.imageShape,
    classNames: dataset.classNames,
    trainCount: train.count,
    testCount: dataset.test.count,
    samples,
    cleanClassCounts: classCounts(train, classes),
    trainClassCounts: classCounts({ ...train, labels: trainLabels }, classes),
    testClassCounts: classCounts(dataset.test, classes),
    flippedPerClass: noisy?.flippedPerClass ?? new Array<number>(classes).fill(0),
    flipped: noisy?.flipped ?? 0,
    labelNoise: noisy?.rule ?? 'none',
  };
}
