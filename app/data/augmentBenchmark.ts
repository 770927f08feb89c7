/** How long augmenting one batch takes on the CPU side (for `fsam-studio bench`). */
import { augmentationSchema, augmentBatch } from './augment.js';

export interface AugmentationTiming {
  transforms: string;
  batchSize: number;
  imageShape: [number, number, number];
  medianMs: number;
}

/** Median ms per batch of `batchSize` 32×32×3 images for crop+flip+cutout and for each transform alone. */
export function measureAugmentation(batchSize = 128, repeats = 200): AugmentationTiming[] {
  const imageShape: [number, number, number] = [32, 32, 3];
  const pixels = Float32Array.from({ length: batchSize * 32 * 32 * 3 }, (_, i) => (i % 251) / 255);
  const cases: [string, object][] = [['crop,flip,cutout', { crop: true, flip: true, cutout: true }], ['crop', { crop: true }], ['flip', { flip: true }], ['cutout', { cutout: true }]];
  return cases.map(([transforms, options]) => {
    const augmentation = augmentationSchema.parse(options);
    for (let step = 0; step < 10; step++) augmentBatch(pixels, imageShape, batchSize, augmentation, 1, step, [0.5, 0.5, 0.5]);
    const times: number[] = [];
    for (let step = 0; step < repeats; step++) {
      const start = performance.now();
      augmentBatch(pixels, imageShape, batchSize, augmentation, 1, 1000 + step, [0.5, 0.5, 0.5]);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return { transforms, batchSize, imageShape, medianMs: times[Math.floor(times.length / 2)]! };
  });
}
