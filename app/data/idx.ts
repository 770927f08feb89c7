/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
 *
 * Layout: two zero bytes, a type byte (only 0x08 = unsigned byte is supported), the number of dimensions,
 * one big-endian uint32 per dimension, then exactly product(dims) bytes. Gzip is recognised by its magic
 * bytes (1f 8b), not by the file name.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants as zlibConstants, createGunzip, gunzipSync, gzip } from 'node:zlib';
import type { DataSplit, DatasetOutline, ImageDataset } from './dataset.js';
import { describeContentKind, describeFsError } from './fileErrors.js';

const gzipAsync = promisify(gzip);

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

interface IdxHeader {
  dims: number[];
  headerLength: number;
  /** Bytes of data the dimensions call for. */
  expected: number;
}

/** Reads the header at the start of `bytes`; undefined when more bytes are needed to see all of it. */
function readIdxHeader(bytes: Uint8Array, fileLabel: string, complete: boolean): IdxHeader | undefined {
  if (bytes.length < 4) {
    if (!complete) return undefined;
    throw new Error(`${fileLabel}: not an IDX file: it has only ${bytes.length} bytes, fewer than the 4-byte header`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    // what the file looks like, never its bytes: the path may name any file the user can read
    throw new Error(`${fileLabel}: not an IDX file: it does not start with the IDX signature 00 00 08 <dimensions> (${describeContentKind(bytes)})`);
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    const what = name === undefined ? 'an unknown IDX data type' : `IDX data type 0x${type.toString(16).padStart(2, '0')} (${name})`;
    throw new Error(`${fileLabel}: ${what} is not supported; only unsigned bytes (0x08) are`);
  }
  const ndims = bytes[3]!;
  if (ndims === 0) throw new Error(`${fileLabel}: the IDX header declares 0 dimensions`);
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    if (!complete) return undefined;
    throw new Error(`${fileLabel}: the IDX header declares ${ndims} dimensions (${headerLength} header bytes) but the file has only ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let expected = 1;
  for (let d = 0; d < ndims; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    dims.push(dim);
    expected *= dim;
  }
  return { dims, headerLength, expected };
}

function sizeMismatch(fileLabel: string, header: IdxHeader, found: number): Error {
  const what = header.dims.length === 1 ? 'label data' : 'pixel data';
  return new Error(
    `${fileLabel}: expected ${header.expected} bytes of ${what} after the header (dimensions ${header.dims.join('×')}), found ${found}` +
      (found < header.expected ? ' — the file is truncated; download it again' : ' — the file has extra bytes; it is not a valid IDX file'),
  );
}

/**
 * Parses IDX bytes (already decompressed). `fileLabel` names the file in error messages.
 * The returned data is a view into `bytes`.
 */
export function parseIdx(bytes: Uint8Array, fileLabel: string): IdxArray {
  const header = readIdxHeader(bytes, fileLabel, true)!;
  const found = bytes.length - header.headerLength;
  if (found !== header.expected) throw sizeMismatch(fileLabel, header, found);
  // a plain Uint8Array view (not a Buffer, whose slice() would not copy)
  return { dims: header.dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header.headerLength, header.expected) };
}

/**
 * Reads one IDX file, gzipped or not, as a stream: the header first, then the data straight into one
 * buffer of exactly the declared size (so a large file is never held twice, compressed or not). The
 * returned data owns its whole ArrayBuffer. Errors name the file.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const fileLabel = basename(path);
  const magic = new Uint8Array(2);
  try {
    const handle = await open(path, 'r');
    try {
      await handle.read(magic, 0, 2, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new Error(`${fileLabel}: cannot read ${path} (${describeFsError(error)})`);
  }
  const gzipped = isGzip(magic);
  const source = createReadStream(path);
  const stream: AsyncIterable<Buffer> = gzipped ? source.pipe(createGunzip()) : source;
  let head = Buffer.alloc(0);
  let header: IdxHeader | undefined;
  let data: Uint8Array | undefined;
  let found = 0;
  const take = (chunk: Uint8Array): void => {
    const room = header!.expected - found;
    if (room > 0) data!.set(chunk.subarray(0, Math.min(room, chunk.length)), found);
    found += chunk.length;
  };
  try {
    for await (const chunk of stream) {
      if (header !== undefined) {
        take(chunk);
        continue;
      }
      head = Buffer.concat([head, chunk]);
      header = readIdxHeader(head, fileLabel, false);
      if (header !== undefined) {
        // never allocate what the file cannot hold: a plain file has its exact size, and deflate packs at most ~1032:1
        const onDisk = statSync(path).size;
        const available = gzipped ? onDisk * 1032 : onDisk - header.headerLength;
        if (header.expected > available) throw sizeMismatch(fileLabel, header, gzipped ? head.length - header.headerLength : available);
        data = new Uint8Array(header.expected);
        take(head.subarray(header.headerLength));
      }
    }
  } catch (error) {
    source.destroy();
    if ((error as Error).message.startsWith(fileLabel)) throw error;
    if (gzipped && (error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      // zlib's own words name the kind of damage ("unexpected end of file"), never the data
      throw new Error(`${fileLabel}: the file is gzip-compressed but cannot be decompressed (${(error as Error).message}); it is probably truncated — download it again`);
    }
    throw new Error(`${fileLabel}: cannot read ${path} (${describeFsError(error)})`);
  }
  if (header === undefined) return parseIdx(head, fileLabel); // throws: the file ends inside its header
  if (found !== header.expected) throw sizeMismatch(fileLabel, header, found);
  return { dims: header.dims, data: data! };
}

/** Encodes an unsigned-byte IDX array. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length === 0 || dims.length > 255) throw new Error(`IDX arrays need 1 to 255 dimensions, got ${dims.length}`);
  let expected = 1;
  for (const dim of dims) {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) throw new Error(`IDX dimension ${dim} is not a uint32`);
    expected *= dim;
  }
  if (expected !== data.length) throw new Error(`IDX dimensions ${dims.join('×')} need ${expected} bytes of data, got ${data.length}`);
  const headerLength = 4 + 4 * dims.length;
  const bytes = new Uint8Array(headerLength + data.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = 0x08;
  bytes[3] = dims.length;
  dims.forEach((dim, d) => view.setUint32(4 + 4 * d, dim, false));
  bytes.set(data, headerLength);
  return bytes;
}

export async function writeIdxFile(path: string, dims: readonly number[], data: Uint8Array, options: { gzip?: boolean } = {}): Promise<void> {
  const encoded = encodeIdx(dims, data);
  await writeFile(path, options.gzip ? await gzipAsync(encoded) : encoded);
}

export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export const DIGIT_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface IdxDatasetOptions {
  /** Data set name; defaults to "fashion-mnist" or "mnist" by kind. A name containing "fashion" selects its class names. */
  name?: string;
  /** Force Fashion-MNIST class names (true) or digits (false); by default decided from the name and folder name. */
  fashion?: boolean;
}

/** The file for `base` in `folder`: base, base.gz, or the common "train-images.idx3-ubyte" spelling of either. */
function findIdxFile(folder: string, base: string): string | undefined {
  const dotted = base.replace(/-idx(\d)-ubyte$/, '.idx$1-ubyte');
  for (const candidate of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    const path = join(folder, candidate);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return undefined;
}

type IdxPaths = Record<keyof typeof IDX_FILE_NAMES, string>;

/** The folder and its four files, or an error saying which are missing. */
function locateIdxFiles(folder: string): { root: string; paths: IdxPaths } {
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`IDX data set folder ${root} does not exist or is not a folder; choose the folder that holds ${IDX_FILE_NAMES.trainImages}(.gz) and the other three MNIST files`);
  }
  const paths = {} as IdxPaths;
  const missing: string[] = [];
  for (const [key, base] of Object.entries(IDX_FILE_NAMES) as [keyof typeof IDX_FILE_NAMES, string][]) {
    const path = findIdxFile(root, base);
    if (path === undefined) missing.push(`${base}[.gz]`);
    else paths[key] = path;
  }
  if (missing.length > 0) {
    throw new Error(
      `IDX data set folder ${root} is missing ${missing.join(', ')}. ` +
        `It needs all four MNIST-format files: ${Object.values(IDX_FILE_NAMES).join(', ')} (each may be gzipped as .gz).`,
    );
  }
  return { root, paths };
}

/**
 * The dimensions of one IDX file from its header alone (gzipped files are decompressed only as far as the
 * header): what a run's configuration is checked against before any data is read. A plain file's size must
 * match its header exactly; a gzipped one's is known only once read whole.
 */
export async function readIdxFileHeader(path: string): Promise<{ dims: number[] }> {
  const fileLabel = basename(path);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new Error(`${fileLabel}: cannot read ${path} (${describeFsError(error)})`);
  }
  let head: Uint8Array;
  let size: number;
  try {
    size = (await handle.stat()).size;
    // 4 + 4 × 255 bytes is the largest header; its gzip stream fits in the first 8 KiB (which unpack to at most ~8 MB)
    const first = new Uint8Array(Math.min(size, 8192));
    const { bytesRead } = await handle.read(first, 0, first.length, 0);
    head = first.subarray(0, bytesRead);
  } catch (error) {
    throw new Error(`${fileLabel}: cannot read ${path} (${describeFsError(error)})`);
  } finally {
    await handle.close();
  }
  if (!isGzip(head)) {
    const header = readIdxHeader(head, fileLabel, true)!;
    if (size - header.headerLength !== header.expected) throw sizeMismatch(fileLabel, header, size - header.headerLength);
    return { dims: header.dims };
  }
  let unpacked: Uint8Array;
  try {
    // a prefix of the stream: what it decompresses to so far, without the error a truncated stream would give
    unpacked = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (error) {
    throw new Error(`${fileLabel}: the file is gzip-compressed but cannot be decompressed (${(error as Error).message}); it is probably truncated — download it again`);
  }
  const header = readIdxHeader(unpacked, fileLabel, false);
  if (header !== undefined) return { dims: header.dims };
  if (head.length < size) throw new Error(`${fileLabel}: its IDX header does not decompress from the first ${head.length} bytes; the file is not a gzipped IDX file`);
  readIdxHeader(unpacked, fileLabel, true); // throws: the file ends inside its header
  throw new Error(`${fileLabel}: the file ends inside its IDX header; it is truncated — download it again`);
}

/** Checks an images/labels pair of dimensions; returns the count and image size. */
function checkIdxPair(imagesDims: number[], labelsDims: number[], imagesPath: string, labelsPath: string): { count: number; height: number; width: number } {
  const imagesFile = basename(imagesPath);
  const labelsFile = basename(labelsPath);
  if (imagesDims.length !== 3) {
    throw new Error(`${imagesFile}: expected a 3-dimensional image array (count × height × width), found dimensions ${imagesDims.join('×')}`);
  }
  if (labelsDims.length !== 1) {
    throw new Error(`${labelsFile}: expected a 1-dimensional label array, found dimensions ${labelsDims.join('×')}`);
  }
  const [count, height, width] = imagesDims as [number, number, number];
  if (labelsDims[0] !== count) {
    throw new Error(`${labelsFile}: has ${labelsDims[0]} labels but ${imagesFile} has ${count} images; the two files must come from the same set`);
  }
  if (count === 0) throw new Error(`${imagesFile}: holds no images`);
  if (height === 0 || width === 0) throw new Error(`${imagesFile}: its images are ${height}×${width} pixels; an image needs at least one pixel`);
  return { count, height, width };
}

function checkSameSize(train: { height: number; width: number }, test: { height: number; width: number }, paths: IdxPaths): void {
  if (train.height !== test.height || train.width !== test.width) {
    throw new Error(
      `${basename(paths.testImages)}: test images are ${test.height}×${test.width} but the training images in ${basename(paths.trainImages)} are ${train.height}×${train.width}`,
    );
  }
}

function idxIdentity(root: string, options: IdxDatasetOptions): { name: string; fashion: boolean } {
  const fashion = options.fashion ?? (/fashion/i.test(options.name ?? '') || /fashion/i.test(basename(root)));
  return { name: options.name ?? (fashion ? 'fashion-mnist' : 'mnist'), fashion };
}

/** What loadIdxDataset would give, from the four files' headers: the check a run's configuration gets. */
export async function probeIdxDataset(folder: string, options: IdxDatasetOptions = {}): Promise<DatasetOutline> {
  const { root, paths } = locateIdxFiles(folder);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [paths.trainImages, paths.trainLabels, paths.testImages, paths.testLabels].map((path) => readIdxFileHeader(path)),
  );
  const train = checkIdxPair(trainImages!.dims, trainLabels!.dims, paths.trainImages, paths.trainLabels);
  const test = checkIdxPair(testImages!.dims, testLabels!.dims, paths.testImages, paths.testLabels);
  checkSameSize(train, test, paths);
  const { name } = idxIdentity(root, options);
  return { name, classCount: DIGIT_CLASS_NAMES.length, imageShape: [train.height, train.width, 1], trainCount: train.count, testCount: test.count, source: `IDX files in ${root}` };
}

/**
 * Loads an MNIST-format data set from a folder holding the four standard IDX files (each plain or .gz).
 */
export async function loadIdxDataset(folder: string, options: IdxDatasetOptions = {}): Promise<ImageDataset> {
  const { root, paths } = locateIdxFiles(folder);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxFile(paths.trainImages),
    readIdxFile(paths.trainLabels),
    readIdxFile(paths.testImages),
    readIdxFile(paths.testLabels),
  ]);
  const train = toSplit(trainImages, trainLabels, paths.trainImages, paths.trainLabels);
  const test = toSplit(testImages, testLabels, paths.testImages, paths.testLabels);
  checkSameSize(train, test, paths);
  const { name, fashion } = idxIdentity(root, options);
  return {
    name,
    classNames: [...(fashion ? FASHION_MNIST_CLASS_NAMES : DIGIT_CLASS_NAMES)],
    imageShape: [train.height, train.width, 1],
    train: train.split,
    test: test.split,
    source: `IDX files in ${root}`,
  };
}

function toSplit(images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string): { split: DataSplit; height: number; width: number } {
  const { count, height, width } = checkIdxPair(images.dims, labels.dims, imagesPath, labelsPath);
  for (let i = 0; i < count; i++) {
    // the position, not the value: no byte of a file is quoted back
    if (labels.data[i]! >= 10) throw new Error(`${basename(labelsPath)}: the label at index ${i} is out of range; labels must be 0..9`);
  }
  // Each array must own its whole ArrayBuffer (offset 0) to be safe to transfer to a worker thread;
  // readIdxFile's already do, so only views (from parseIdx) are copied.
  const owned = (array: Uint8Array) => (array.byteOffset === 0 && array.buffer.byteLength === array.length ? array : new Uint8Array(array));
  return { split: { images: owned(images.data), labels: owned(labels.data), count }, height, width };
}
