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
import { createGunzip, gzip } from 'node:zlib';
import type { DataSplit, ImageDataset } from './dataset.js';

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
    const found = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${fileLabel}: not an IDX file: it starts with bytes ${found}, expected 00 00 08 <dimensions>`);
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ?? 'unknown type';
    throw new Error(`${fileLabel}: IDX data type 0x${type.toString(16).padStart(2, '0')} (${name}) is not supported; only unsigned bytes (0x08) are`);
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
    throw new Error(`${fileLabel}: cannot read ${path}: ${(error as Error).message}`);
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
    if (gzipped && !(error as Error).message.startsWith(fileLabel)) {
      throw new Error(`${fileLabel}: the file is gzip-compressed but cannot be decompressed (${(error as Error).message}); it is probably truncated — download it again`);
    }
    throw error;
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

/**
 * Loads an MNIST-format data set from a folder holding the four standard IDX files (each plain or .gz).
 */
export async function loadIdxDataset(folder: string, options: IdxDatasetOptions = {}): Promise<ImageDataset> {
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`IDX data set folder ${root} does not exist or is not a folder; choose the folder that holds ${IDX_FILE_NAMES.trainImages}(.gz) and the other three MNIST files`);
  }
  const paths = {} as Record<keyof typeof IDX_FILE_NAMES, string>;
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
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxFile(paths.trainImages),
    readIdxFile(paths.trainLabels),
    readIdxFile(paths.testImages),
    readIdxFile(paths.testLabels),
  ]);
  const train = toSplit(trainImages, trainLabels, paths.trainImages, paths.trainLabels);
  const test = toSplit(testImages, testLabels, paths.testImages, paths.testLabels);
  if (train.height !== test.height || train.width !== test.width) {
    throw new Error(
      `${basename(paths.testImages)}: test images are ${test.height}×${test.width} but the training images in ${basename(paths.trainImages)} are ${train.height}×${train.width}`,
    );
  }
  const fashion = options.fashion ?? (/fashion/i.test(options.name ?? '') || /fashion/i.test(basename(root)));
  const name = options.name ?? (fashion ? 'fashion-mnist' : 'mnist');
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
  const imagesFile = basename(imagesPath);
  const labelsFile = basename(labelsPath);
  if (images.dims.length !== 3) {
    throw new Error(`${imagesFile}: expected a 3-dimensional image array (count × height × width), found dimensions ${images.dims.join('×')}`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${labelsFile}: expected a 1-dimensional label array, found dimensions ${labels.dims.join('×')}`);
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new Error(`${labelsFile}: has ${labels.dims[0]} labels but ${imagesFile} has ${count} images; the two files must come from the same set`);
  }
  if (count === 0) throw new Error(`${imagesFile}: holds no images`);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i]!;
    if (label >= 10) throw new Error(`${labelsFile}: label ${label} at index ${i} is out of range; labels must be 0..9`);
  }
  // Each array must own its whole ArrayBuffer (offset 0) to be safe to transfer to a worker thread;
  // readIdxFile's already do, so only views (from parseIdx) are copied.
  const owned = (array: Uint8Array) => (array.byteOffset === 0 && array.buffer.byteLength === array.length ? array : new Uint8Array(array));
  return { split: { images: owned(images.data), labels: owned(labels.data), count }, height, width };
}
