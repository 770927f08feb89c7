/**
 * The standard CIFAR training augmentation of the SAM / F-SAM reference code, on a float batch in [0, 1]
 * before it becomes a tensor: random crop after 4 px of zero padding, horizontal flip with p = 0.5, and
 * cutout of a 16 px square with p = 0.5. Typed-array loops: a batch of 128 32×32×3 images costs a few ms.
 *
 * Pairing and resuming: the draws for one step come from the stream (seed, "augmentation/<step>") and are
 * taken per batch row in a fixed order, so they depend only on the run's seed, the step and the row —
 * never on the optimizer — and a resumed run redraws exactly what it would have drawn, with no saved state.
 * Every row always makes all its draws, so turning one transform on or off leaves the others' draws alone.
 */
import { z } from 'zod';
import { Random } from '../engine/random.js';

export const augmentationSchema = z.strictObject({
  /** Random crop back to the original size after zero-padding `cropPadding` pixels on every side. */
  crop: z.boolean({ error: 'crop must be true or false' }).default(false),
  cropPadding: z.number({ error: 'cropPadding must be a number of pixels' }).int({ error: 'cropPadding must be a whole number' }).min(1).max(64).default(4),
  /** Mirror left–right with probability 0.5. */
  flip: z.boolean({ error: 'flip must be true or false' }).default(false),
  /** With probability 0.5, blank a `cutoutSize`-pixel square around a uniform centre (clipped at the border). */
  cutout: z.boolean({ error: 'cutout must be true or false' }).default(false),
  cutoutSize: z.number({ error: 'cutoutSize must be a number of pixels' }).int({ error: 'cutoutSize must be a whole number' }).min(1).max(256).default(16),
});
export type Augmentation = z.infer<typeof augmentationSchema>;
export type AugmentationInput = z.input<typeof augmentationSchema>;

export const AUGMENTATION_TRANSFORMS = ['crop', 'flip', 'cutout'] as const;

export function augmentationEnabled(augmentation: Augmentation): boolean {
  return augmentation.crop || augmentation.flip || augmentation.cutout;
}

/** One row's draws, in the order they are taken. */
export interface RowDraws {
  /** Crop offset in −padding..padding on each axis (0, 0 = the original position). */
  shiftY: number;
  shiftX: number;
  flip: boolean;
  cutout: boolean;
  cutoutCenterY: number;
  cutoutCenterX: number;
}

export function drawsForStep(seed: number, step: number, rows: number, height: number, width: number, augmentation: Augmentation): RowDraws[] {
  const random = Random.stream(seed, `augmentation/${step}`);
  const padding = augmentation.cropPadding;
  return Array.from({ length: rows }, () => ({
    shiftY: random.nextInt(2 * padding + 1) - padding,
    shiftX: random.nextInt(2 * padding + 1) - padding,
    flip: random.nextFloat() < 0.5,
    cutout: random.nextFloat() < 0.5,
    cutoutCenterY: random.nextInt(height),
    cutoutCenterX: random.nextInt(width),
  }));
}

/**
 * Augments `pixels` (rows × H × W × C, NHWC, in [0, 1]) in place for training step `step`.
 *
 * Cutout fills with `fill` per channel — pass the normaliser's channel mean: the reference blanks the square
 * with 0 after normalisation, which is the mean before it. Crop padding is 0 (black), as the reference pads
 * the image before normalising.
 */
export function augmentBatch(
  pixels: Float32Array,
  shape: readonly [number, number, number],
  rows: number,
  augmentation: Augmentation,
  seed: number,
  step: number,
  fill: readonly number[],
): void {
  if (!augmentationEnabled(augmentation)) return;
  const [height, width, channels] = shape;
  const size = height * width * channels;
  if (pixels.length < rows * size) throw new Error(`augmentBatch: ${rows} rows of ${height}×${width}×${channels} need ${rows * size} values, the buffer holds ${pixels.length}`);
  const scratch = new Float32Array(size);
  const draws = drawsForStep(seed, step, rows, height, width, augmentation);
  const half = Math.floor(augmentation.cutoutSize / 2);
  for (let row = 0; row < rows; row++) {
    const draw = draws[row]!;
    const image = pixels.subarray(row * size, (row + 1) * size);
    const shiftY = augmentation.crop ? draw.shiftY : 0;
    const shiftX = augmentation.crop ? draw.shiftX : 0;
    const flip = augmentation.flip && draw.flip;
    if (shiftY !== 0 || shiftX !== 0 || flip) {
      // crop then flip, as the reference applies them: out(y, x) = in(y + shiftY, x' + shiftX), x' = W − 1 − x if flipped
      scratch.set(image);
      for (let y = 0; y < height; y++) {
        const sourceY = y + shiftY;
        const rowOut = y * width * channels;
        if (sourceY < 0 || sourceY >= height) {
          image.fill(0, rowOut, rowOut + width * channels);
          continue;
        }
        const rowIn = sourceY * width * channels;
        for (let x = 0; x < width; x++) {
          const sourceX = (flip ? width - 1 - x : x) + shiftX;
          const out = rowOut + x * channels;
          if (sourceX < 0 || sourceX >= width) {
            for (let c = 0; c < channels; c++) image[out + c] = 0;
          } else {
            const from = rowIn + sourceX * channels;
            for (let c = 0; c < channels; c++) image[out + c] = scratch[from + c]!;
          }
        }
      }
    }
    if (augmentation.cutout && draw.cutout) {
      const top = Math.max(0, draw.cutoutCenterY - half);
      const bottom = Math.min(height, draw.cutoutCenterY - half + augmentation.cutoutSize);
      const left = Math.max(0, draw.cutoutCenterX - half);
      const right = Math.min(width, draw.cutoutCenterX - half + augmentation.cutoutSize);
      for (let y = top; y < bottom; y++) {
        for (let x = left; x < right; x++) {
          const at = (y * width + x) * channels;
          for (let c = 0; c < channels; c++) image[at + c] = fill[c] ?? 0;
        }
      }
    }
  }
}

/** "crop,flip,cutout" → the augmentation flags; throws naming an unknown transform. */
export function parseAugmentationList(text: string): AugmentationInput {
  const names = text.split(',').map((part) => part.trim()).filter(Boolean);
  const result: AugmentationInput = {};
  for (const name of names) {
    if (name === 'none') continue;
    if (!(AUGMENTATION_TRANSFORMS as readonly string[]).includes(name)) {
      throw new Error(`"${name}" is not an augmentation; use a comma-separated list of ${AUGMENTATION_TRANSFORMS.join(', ')} (or none)`);
    }
    result[name as (typeof AUGMENTATION_TRANSFORMS)[number]] = true;
  }
  return result;
}
