/**
 * Image folders: one subfolder per class holding PNG and JPEG files, the way practitioners keep their own
 * images. Class names are the subfolder names, sorted.
 *
 *   path/train/<class>/*.png|jpg  and  path/test/<class>/*   → that split, as given;
 *   path/<class>/*                                          → a seeded, stratified split (testFraction of each class).
 *
 * Every image is decoded (the format is recognised by its first bytes, not its name), composited over black
 * where it is transparent, resized to size × size by area averaging (the aspect ratio is not kept: the
 * studio's models take square inputs) and converted to grey (ITU-R 601 luma) or RGB. The split is planned
 * from the file list first, so each image is decoded straight into its final place in one preallocated
 * buffer; inside a split the order is seeded-random, so trainCount takes a sample of every class. Files with other extensions and hidden files are skipped (and counted in the source line).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { DataSplit, ImageDataset } from './dataset.js';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, planSplit, shuffledPlaces } from './split.js';

export const DEFAULT_FOLDER_IMAGE_SIZE = 32;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const MAX_CLASSES = 256;

export interface ImageFolderOptions {
  /** Side of the square images the studio trains on (default 32). */
  size?: number;
  channels?: 1 | 3;
  /** Without train/ and test/: share of each class held out for testing (default 0.2). */
  testFraction?: number;
  /** The split's seed (default 1); it also fixes the order of examples inside each split. */
  seed?: number;
}

interface ImageFile {
  path: string;
  label: number;
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function visibleEntries(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => !name.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function classFolders(root: string): string[] {
  return visibleEntries(root).filter((name) => isFolder(join(root, name)));
}

/** The images of every class folder under `root`, labelled by `classNames`. */
function listImages(root: string, classNames: string[], skipped: { count: number }): ImageFile[] {
  const files: ImageFile[] = [];
  for (const [label, className] of classNames.entries()) {
    const folder = join(root, className);
    if (!isFolder(folder)) continue;
    let found = 0;
    for (const name of visibleEntries(folder)) {
      const path = join(folder, name);
      if (!statSync(path).isFile()) continue;
      if (!IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) {
        skipped.count++;
        continue;
      }
      files.push({ path, label });
      found++;
    }
    if (found === 0) throw new Error(`image folder ${folder} holds no .png, .jpg or .jpeg files; add images of class "${className}" or remove the folder`);
  }
  return files;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA. */
  rgba: Uint8Array;
}

/** Decodes a PNG or JPEG file's bytes; `label` names the file in errors. */
export function decodeImage(bytes: Uint8Array, label: string): DecodedImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) {
    try {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, rgba: png.data };
    } catch (error) {
      throw new Error(`${label}: cannot decode the PNG image (${(error as Error).message}); the file is corrupt or truncated — replace or remove it`);
    }
  }
  if (isJpeg) {
    try {
      const image = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
      return { width: image.width, height: image.height, rgba: image.data };
    } catch (error) {
      throw new Error(`${label}: cannot decode the JPEG image (${String((error as Error).message ?? error)}); the file is corrupt or truncated — replace or remove it`);
    }
  }
  const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${label}: not a PNG or JPEG image (it starts with bytes ${start || 'nothing: the file is empty'}); replace or remove it`);
}

/** For each output coordinate, the source pixels it covers and their weights (area averaging). */
function areaWeights(sourceLength: number, outputLength: number): { first: number; weights: number[] }[] {
  const scale = sourceLength / outputLength;
  return Array.from({ length: outputLength }, (_, out) => {
    const from = out * scale;
    const to = (out + 1) * scale;
    const first = Math.floor(from);
    const weights: number[] = [];
    for (let s = first; s < Math.min(Math.ceil(to), sourceLength); s++) weights.push((Math.min(to, s + 1) - Math.max(from, s)) / scale);
    return { first, weights };
  });
}

/** Resizes, composites over black and converts `image` into `out` at `offset` (size × size × channels bytes). */
export function resizeInto(image: DecodedImage, size: number, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const xs = areaWeights(image.width, size);
  const ys = areaWeights(image.height, size);
  const { rgba, width } = image;
  for (let y = 0; y < size; y++) {
    const row = ys[y]!;
    for (let x = 0; x < size; x++) {
      const column = xs[x]!;
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let j = 0; j < row.weights.length; j++) {
        const rowBase = (row.first + j) * width;
        for (let i = 0; i < column.weights.length; i++) {
          const weight = row.weights[j]! * column.weights[i]!;
          const source = (rowBase + column.first + i) * 4;
          const alpha = rgba[source + 3]! / 255;
          red += weight * alpha * rgba[source]!;
          green += weight * alpha * rgba[source + 1]!;
          blue += weight * alpha * rgba[source + 2]!;
        }
      }
      const target = offset + (y * size + x) * channels;
      if (channels === 3) {
        out[target] = Math.min(255, Math.round(red));
        out[target + 1] = Math.min(255, Math.round(green));
        out[target + 2] = Math.min(255, Math.round(blue));
      } else {
        out[target] = Math.min(255, Math.round(0.299 * red + 0.587 * green + 0.114 * blue));
      }
    }
  }
}

function emptySplit(count: number, exampleBytes: number): DataSplit {
  return { images: new Uint8Array(count * exampleBytes), labels: new Uint8Array(count), count };
}

async function decodeInto(file: ImageFile, root: string, split: DataSplit, index: number, size: number, channels: 1 | 3): Promise<void> {
  const label = relative(root, file.path) || file.path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file.path);
  } catch (error) {
    throw new Error(`${label}: cannot read the file (${(error as Error).message})`);
  }
  const image = decodeImage(bytes, label);
  if (image.width === 0 || image.height === 0) throw new Error(`${label}: the image is empty (${image.width}×${image.height})`);
  resizeInto(image, size, channels, split.images, index * size * size * channels);
  split.labels[index] = file.label;
}

/** Loads an image-folder data set (see the file's header for the layout). */
export async function loadImageFolderDataset(path: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const root = resolve(path);
  if (!isFolder(root)) throw new Error(`image folder ${root} does not exist or is not a folder; give the folder that holds one subfolder per class (or train/ and test/)`);
  const size = options.size ?? DEFAULT_FOLDER_IMAGE_SIZE;
  const channels = options.channels ?? 3;
  const exampleBytes = size * size * channels;
  const skipped = { count: 0 };
  const hasSplit = isFolder(join(root, 'train')) && isFolder(join(root, 'test'));
  const classRoot = hasSplit ? join(root, 'train') : root;
  const classNames = classFolders(classRoot);
  if (classNames.length < 2) {
    throw new Error(`image folder ${classRoot} has ${classNames.length === 0 ? 'no class subfolders' : `only one class subfolder (${classNames[0]})`}; it needs one subfolder per class, at least two`);
  }
  if (classNames.length > MAX_CLASSES) throw new Error(`image folder ${classRoot} has ${classNames.length} class subfolders; at most ${MAX_CLASSES} are supported`);

  let train: DataSplit;
  let test: DataSplit;
  let how: string;
  if (hasSplit) {
    const testRoot = join(root, 'test');
    const unknown = classFolders(testRoot).filter((name) => !classNames.includes(name));
    if (unknown.length > 0) {
      throw new Error(`image folder ${testRoot} has class folders that train/ does not have: ${unknown.join(', ')}; every test class needs training images`);
    }
    const trainFiles = listImages(classRoot, classNames, skipped);
    const testFiles = listImages(testRoot, classNames.filter((name) => isFolder(join(testRoot, name))), skipped).map((file) => ({
      ...file,
      label: classNames.indexOf(relative(testRoot, file.path).split(/[\\/]/)[0]!),
    }));
    train = emptySplit(trainFiles.length, exampleBytes);
    test = emptySplit(testFiles.length, exampleBytes);
    const seed = options.seed ?? DEFAULT_SPLIT_SEED;
    const trainPlaces = shuffledPlaces(trainFiles.length, seed, 'train');
    const testPlaces = shuffledPlaces(testFiles.length, seed, 'test');
    for (const [index, file] of trainFiles.entries()) await decodeInto(file, root, train, trainPlaces[index]!, size, channels);
    for (const [index, file] of testFiles.entries()) await decodeInto(file, root, test, testPlaces[index]!, size, channels);
    how = 'train/ and test/ as given';
  } else {
    const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
    const seed = options.seed ?? DEFAULT_SPLIT_SEED;
    const files = listImages(root, classNames, skipped);
    const plan = planSplit(
      files.map((file) => file.label),
      classNames.length,
      fraction,
      seed,
    );
    if (plan.trainCount === 0 || plan.testCount === 0) {
      throw new Error(`image folder ${root}: ${files.length} images split with testFraction ${fraction} leave ${plan.trainCount} for training and ${plan.testCount} for testing; both need at least one — add images or change testFraction`);
    }
    train = emptySplit(plan.trainCount, exampleBytes);
    test = emptySplit(plan.testCount, exampleBytes);
    for (const [index, file] of files.entries()) {
      const slot = plan.slot[index]!;
      if (slot >= 0) await decodeInto(file, root, train, slot, size, channels);
      else await decodeInto(file, root, test, -1 - slot, size, channels);
    }
    how = `${Math.round(fraction * 100)} % of each class held out for testing, seed ${seed}`;
  }
  return {
    name: 'folder',
    classNames,
    imageShape: [size, size, channels],
    train,
    test,
    source: `image folder ${root} (${how}; resized to ${size}×${size}, ${channels === 1 ? 'grey' : 'RGB'}${skipped.count > 0 ? `; ${skipped.count} non-image files skipped` : ''})`,
  };
}
