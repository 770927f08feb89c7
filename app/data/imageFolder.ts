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
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { DataSplit, DatasetOutline, ImageDataset } from './dataset.js';
import { DatasetFieldError, describeContentKind, describeFsError } from './fileErrors.js';
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
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    // a broken link or an entry that vanished: not an image
    return false;
  }
}

/** `label` names the folder in errors: its path, or "class subfolder 3 of <root>" for one found by listing. */
function visibleEntries(folder: string, label = `image folder ${folder}`): Dirent[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    throw new Error(`${label} cannot be listed (${describeFsError(error)})`);
  }
  return entries.filter((entry) => !entry.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A listed entry is a file (a link is followed); the listing's own type saves a stat per image. */
function entryIsFile(folder: string, entry: Dirent): boolean {
  if (entry.isFile()) return true;
  return entry.isSymbolicLink() && isFile(join(folder, entry.name));
}

function classFolders(root: string): string[] {
  return visibleEntries(root)
    .filter((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isFolder(join(root, entry.name))))
    .map((entry) => entry.name);
}

/**
 * The images of every class folder under `root`, labelled by `classNames`. A class folder without images
 * is named by its place, not its name: the names were found by listing a folder, and are not echoed back.
 */
function listImages(root: string, classNames: string[], skipped: { count: number }): ImageFile[] {
  const files: ImageFile[] = [];
  const empty: number[] = [];
  for (const [label, className] of classNames.entries()) {
    const folder = join(root, className);
    if (!isFolder(folder)) continue;
    let found = 0;
    for (const entry of visibleEntries(folder, `class subfolder ${label + 1} (in name order) of image folder ${root}`)) {
      if (!entryIsFile(folder, entry)) continue;
      if (!IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        skipped.count++;
        continue;
      }
      files.push({ path: join(folder, entry.name), label });
      found++;
    }
    if (found === 0) empty.push(label + 1);
  }
  if (empty.length > 0) {
    throw new Error(
      `image folder ${root}: ${empty.length} of its ${classNames.length} class subfolders hold${empty.length === 1 ? 's' : ''} no .png, .jpg or .jpeg files ` +
        `(number${empty.length === 1 ? '' : 's'} ${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ', …' : ''} in name order); add images to each class folder or remove the empty ones`,
    );
  }
  return files;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA. */
  rgba: Uint8Array;
}

/**
 * The decoders' own reasons, kept only where they are fixed phrases: several append bytes of the file
 * (a chunk type, a marker, a checksum), and no byte of a file is quoted back.
 */
const DECODER_REASONS = [
  'Ran out of data',
  'unrecognised depth',
  'extra data found',
  'unrecognised color Type',
  'Unexpected end of input',
  'unrecognised filter type',
  'Unrecognised filter type',
  'bad png - invalid compressed data response',
  'bad png - invalid inflate data response',
  'Invalid file signature',
  'Expected IHDR on beggining',
  'Unsupported critical chunk type',
  'Crc error',
  'Unsupported bit depth',
  'Unsupported color type',
  'Unsupported compression method',
  'Unsupported filter method',
  'Unsupported interlace method',
  'Transparency chunk must be after palette',
  'More transparent colors than palette size',
  'Expected palette not found',
  'Could not recreate Huffman Table',
  'unexpected marker',
  'invalid huffman sequence',
  'invalid ACn encoding',
  'marker was not found',
  'SOI not found',
  'DQT: invalid table spec',
  'maxResolutionInMP limit exceeded',
  'Invalid sampling factor',
  'first unknown JPEG marker',
  'unknown JPEG marker',
  'only single frame JPEGs supported',
  'Unsupported color mode',
  'maxMemoryUsageInMB limit exceeded',
];

function decoderReason(error: unknown): string {
  const message = String((error as Error | undefined)?.message ?? error);
  if (message.includes('not in palette')) return 'a pixel refers to a colour its palette does not have';
  // zlib's reasons (PNG data is deflated) are fixed phrases: "unexpected end of file", "invalid distance too far back"
  if ((error as NodeJS.ErrnoException | undefined)?.code?.startsWith('Z_')) return message;
  return DECODER_REASONS.find((reason) => message.startsWith(reason)) ?? 'its data is malformed';
}

/** Decodes a PNG or JPEG file's bytes; `label` names the file in errors. */
export function decodeImage(bytes: Uint8Array, label: string): DecodedImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = imageKind(bytes);
  if (kind === 'png') {
    try {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, rgba: png.data };
    } catch (error) {
      throw new Error(`${label}: cannot decode the PNG image (${decoderReason(error)}); the file is corrupt or truncated — replace or remove it`);
    }
  }
  if (kind === 'jpeg') {
    try {
      const image = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
      return { width: image.width, height: image.height, rgba: image.data };
    } catch (error) {
      throw new Error(`${label}: cannot decode the JPEG image (${decoderReason(error)}); the file is corrupt or truncated — replace or remove it`);
    }
  }
  throw notAnImage(bytes, label);
}

/** PNG or JPEG by the first bytes (not the file name). */
function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

function notAnImage(bytes: Uint8Array, label: string): Error {
  // what the file looks like, never its bytes
  return new Error(`${label}: not a PNG or JPEG image (${describeContentKind(bytes)}); replace or remove it`);
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
    throw new Error(`${label}: cannot read the file (${describeFsError(error)})`);
  }
  const image = decodeImage(bytes, label);
  if (image.width === 0 || image.height === 0) throw new Error(`${label}: the image is empty (${image.width}×${image.height})`);
  resizeInto(image, size, channels, split.images, index * size * size * channels);
  split.labels[index] = file.label;
}

/** Where every image of a folder goes: decided from the listing alone, before any image is read. */
interface FolderPlan {
  root: string;
  classNames: string[];
  size: number;
  channels: 1 | 3;
  /** Each image with its split and its place in that split. */
  placed: { file: ImageFile; split: 'train' | 'test'; index: number }[];
  trainCount: number;
  testCount: number;
  source: string;
}

function planImageFolder(path: string, options: ImageFolderOptions): FolderPlan {
  const root = resolve(path);
  if (!isFolder(root)) throw new Error(`image folder ${root} does not exist or is not a folder; give the folder that holds one subfolder per class (or train/ and test/)`);
  const size = options.size ?? DEFAULT_FOLDER_IMAGE_SIZE;
  const channels = options.channels ?? 3;
  const skipped = { count: 0 };
  const hasSplit = isFolder(join(root, 'train')) && isFolder(join(root, 'test'));
  const classRoot = hasSplit ? join(root, 'train') : root;
  const classNames = classFolders(classRoot);
  if (classNames.length < 2) {
    // counts, not names: the subfolders were found by listing, and are not echoed back
    throw new Error(`image folder ${classRoot} has ${classNames.length === 0 ? 'no class subfolders' : 'only one class subfolder'}; it needs one subfolder per class, at least two`);
  }
  if (classNames.length > MAX_CLASSES) throw new Error(`image folder ${classRoot} has ${classNames.length} class subfolders; at most ${MAX_CLASSES} are supported`);

  const placed: FolderPlan['placed'] = [];
  let trainCount: number;
  let testCount: number;
  let how: string;
  if (hasSplit) {
    const testRoot = join(root, 'test');
    const unknown = classFolders(testRoot).filter((name) => !classNames.includes(name));
    if (unknown.length > 0) {
      throw new Error(`image folder ${testRoot} has ${unknown.length} class folder${unknown.length === 1 ? '' : 's'} that train/ does not have; every test class needs training images (the same subfolder names under train/ and test/)`);
    }
    const trainFiles = listImages(classRoot, classNames, skipped);
    const testFiles = listImages(testRoot, classNames.filter((name) => isFolder(join(testRoot, name))), skipped).map((file) => ({
      ...file,
      label: classNames.indexOf(relative(testRoot, file.path).split(/[\\/]/)[0]!),
    }));
    const seed = options.seed ?? DEFAULT_SPLIT_SEED;
    const trainPlaces = shuffledPlaces(trainFiles.length, seed, 'train');
    const testPlaces = shuffledPlaces(testFiles.length, seed, 'test');
    for (const [index, file] of trainFiles.entries()) placed.push({ file, split: 'train', index: trainPlaces[index]! });
    for (const [index, file] of testFiles.entries()) placed.push({ file, split: 'test', index: testPlaces[index]! });
    if (testFiles.length === 0) throw new Error(`image folder ${testRoot} holds no class folders with images; put each class's test images in a subfolder named as under train/`);
    trainCount = trainFiles.length;
    testCount = testFiles.length;
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
      throw new DatasetFieldError(
        'testFraction',
        `image folder ${root}: ${files.length} images split with testFraction ${fraction} leave ${plan.trainCount} for training and ${plan.testCount} for testing; both need at least one — add images or change testFraction`,
      );
    }
    for (const [index, file] of files.entries()) {
      const slot = plan.slot[index]!;
      placed.push(slot >= 0 ? { file, split: 'train', index: slot } : { file, split: 'test', index: -1 - slot });
    }
    trainCount = plan.trainCount;
    testCount = plan.testCount;
    how = `${Math.round(fraction * 100)} % of each class held out for testing, seed ${seed}`;
  }
  const source = `image folder ${root} (${how}; resized to ${size}×${size}, ${channels === 1 ? 'grey' : 'RGB'}${skipped.count > 0 ? `; ${skipped.count} non-image files skipped` : ''})`;
  return { root, classNames, size, channels, placed, trainCount, testCount, source };
}

/** Images whose first bytes are read at once while probing. */
const SNIFF_PARALLEL = 16;
/**
 * At most this many images are sniffed, spread evenly over the listing: a set of a million images is
 * checked in a second or two (the form checks as the user types), and one bad file among the rest is
 * still named, by decoding, when its run loads the set.
 */
export const SNIFF_LIMIT = 4096;

/** Reads the first bytes of `path` and refuses it unless they are a PNG's or a JPEG's. */
async function sniffImage(path: string, label: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new Error(`${label}: cannot read the file (${describeFsError(error)})`);
  }
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    if (imageKind(bytes) === undefined) throw notAnImage(bytes, label);
  } finally {
    await handle.close();
  }
}

/**
 * What loadImageFolderDataset would give, from the folder listing and the images' first bytes (PNG or
 * JPEG, and readable; up to SNIFF_LIMIT of them), without decoding any: the check a run's configuration
 * gets before anything is stored.
 */
export async function probeImageFolderDataset(path: string, options: ImageFolderOptions = {}): Promise<DatasetOutline> {
  const plan = planImageFolder(path, options);
  const count = Math.min(SNIFF_LIMIT, plan.placed.length);
  const stride = plan.placed.length / count;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const { file } = plan.placed[Math.floor(next++ * stride)]!;
      await sniffImage(file.path, relative(plan.root, file.path) || file.path);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SNIFF_PARALLEL, count) }, worker));
  return {
    name: 'folder',
    classCount: plan.classNames.length,
    imageShape: [plan.size, plan.size, plan.channels],
    trainCount: plan.trainCount,
    testCount: plan.testCount,
    source: plan.source,
  };
}

/** Loads an image-folder data set (see the file's header for the layout). */
export async function loadImageFolderDataset(path: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const plan = planImageFolder(path, options);
  const exampleBytes = plan.size * plan.size * plan.channels;
  const train = emptySplit(plan.trainCount, exampleBytes);
  const test = emptySplit(plan.testCount, exampleBytes);
  for (const { file, split, index } of plan.placed) await decodeInto(file, plan.root, split === 'train' ? train : test, index, plan.size, plan.channels);
  return {
    name: 'folder',
    classNames: plan.classNames,
    imageShape: [plan.size, plan.size, plan.channels],
    train,
    test,
    source: plan.source,
  };
}
