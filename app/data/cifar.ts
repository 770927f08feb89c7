/**
 * CIFAR-10 and CIFAR-100, the binary version (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz).
 *
 * A file is a run of fixed-size records: the label byte(s), then 3072 bytes of a 32×32 colour image as three
 * 1024-byte planes (red, green, blue, rows top to bottom). CIFAR-10 has 1 label byte (0..9) in
 * data_batch_1..5.bin and test_batch.bin; CIFAR-100 has 2 (coarse 0..19, then fine 0..99) in train.bin and
 * test.bin, and the studio trains on the fine label.
 *
 * The whole split is allocated once from the file sizes and each file is read in chunks, transposed from
 * planes (CHW) to the studio's NHWC straight into it: no second copy of the data set is ever held.
 */
import { existsSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DataSplit, DatasetOutline, ImageDataset } from './dataset.js';
import { describeFsError } from './fileErrors.js';

export type CifarKind = 'cifar10' | 'cifar100';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = 3 * PLANE;
/** Records read per chunk (about 3 MB). */
const CHUNK_RECORDS = 1024;

export const CIFAR10_CLASS_NAMES: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

// CIFAR-100's fine classes in label order (alphabetical), as its fine_label_names.txt lists them
export const CIFAR100_CLASS_NAMES: readonly string[] = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar cattle ' +
  'chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard ' +
  'lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree ' +
  'plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider ' +
  'squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm'
).split(' ');

interface CifarLayout {
  title: string;
  /** The folder the archive unpacks to. */
  folderName: string;
  trainFiles: string[];
  testFiles: string[];
  labelBytes: number;
  /** Which label byte is trained on, and the range of each label byte. */
  labelIndex: number;
  labelRanges: number[];
  namesFile: string;
  builtinNames: readonly string[];
}

export const CIFAR_LAYOUTS: Record<CifarKind, CifarLayout> = {
  cifar10: {
    title: 'CIFAR-10',
    folderName: 'cifar-10-batches-bin',
    trainFiles: [1, 2, 3, 4, 5].map((n) => `data_batch_${n}.bin`),
    testFiles: ['test_batch.bin'],
    labelBytes: 1,
    labelIndex: 0,
    labelRanges: [10],
    namesFile: 'batches.meta.txt',
    builtinNames: CIFAR10_CLASS_NAMES,
  },
  cifar100: {
    title: 'CIFAR-100',
    folderName: 'cifar-100-binary',
    trainFiles: ['train.bin'],
    testFiles: ['test.bin'],
    labelBytes: 2,
    labelIndex: 1,
    labelRanges: [20, 100],
    namesFile: 'fine_label_names.txt',
    builtinNames: CIFAR100_CLASS_NAMES,
  },
};

/** `folder` itself when it holds the batch files, else its subfolder named as the archive unpacks (cifar-10-batches-bin). */
export function findCifarFolder(folder: string, kind: CifarKind): string {
  const layout = CIFAR_LAYOUTS[kind];
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`${layout.title} folder ${root} does not exist or is not a folder; choose the folder holding ${layout.trainFiles[0]} (or its ${layout.folderName} subfolder)`);
  }
  const nested = join(root, layout.folderName);
  if (!existsSync(join(root, layout.trainFiles[0]!)) && existsSync(nested)) return nested;
  return root;
}

function recordCount(path: string, recordBytes: number, title: string): number {
  const size = statSync(path).size;
  const file = basename(path);
  if (size === 0) throw new Error(`${file}: the file is empty; download ${title} again`);
  if (size % recordBytes !== 0) {
    const whole = Math.floor(size / recordBytes);
    throw new Error(
      `${file}: ${size} bytes is not a whole number of ${recordBytes}-byte ${title} records (${whole} records and ${size - whole * recordBytes} bytes left over) — the file is truncated or not a ${title} binary batch; download it again`,
    );
  }
  return size / recordBytes;
}

/** A record's label bytes against their ranges. */
function checkLabels(bytes: Uint8Array, record: number, file: string, layout: CifarLayout): void {
  for (let b = 0; b < layout.labelBytes; b++) {
    if (bytes[b]! < layout.labelRanges[b]!) continue;
    // the record, not the value: no byte of a file is quoted back
    const which = layout.labelBytes === 1 ? 'label' : b === 0 ? 'coarse label' : 'fine label';
    throw new Error(
      `${file}: record ${record} has a ${which} out of range; ${layout.title} ${which}s are 0..${layout.labelRanges[b]! - 1} — the file is corrupt or not a ${layout.title} binary batch (CIFAR-10 records have 1 label byte, CIFAR-100 records 2)`,
    );
  }
}

/** Reads `files` into one preallocated split. */
async function readSplit(folder: string, files: string[], layout: CifarLayout): Promise<DataSplit> {
  const recordBytes = layout.labelBytes + IMAGE_BYTES;
  const counts = files.map((file) => recordCount(join(folder, file), recordBytes, layout.title));
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const chunk = new Uint8Array(CHUNK_RECORDS * recordBytes);
  let example = 0;
  for (const [fileIndex, file] of files.entries()) {
    const path = join(folder, file);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw new Error(`${file}: cannot read ${path} (${describeFsError(error)})`);
    });
    try {
      let remaining = counts[fileIndex]!;
      let record = 0;
      while (remaining > 0) {
        const records = Math.min(remaining, CHUNK_RECORDS);
        const wanted = records * recordBytes;
        let filled = 0;
        while (filled < wanted) {
          const { bytesRead } = await handle.read(chunk, filled, wanted - filled, null);
          if (bytesRead === 0) throw new Error(`${file}: the file ended early (it shrank while being read); download ${layout.title} again`);
          filled += bytesRead;
        }
        for (let r = 0; r < records; r++, record++, example++) {
          const start = r * recordBytes;
          checkLabels(chunk.subarray(start, start + layout.labelBytes), record, file, layout);
          labels[example] = chunk[start + layout.labelIndex]!;
          const pixels = start + layout.labelBytes;
          let out = example * IMAGE_BYTES;
          for (let p = 0; p < PLANE; p++) {
            images[out++] = chunk[pixels + p]!;
            images[out++] = chunk[pixels + PLANE + p]!;
            images[out++] = chunk[pixels + 2 * PLANE + p]!;
          }
        }
        remaining -= records;
      }
    } finally {
      await handle.close();
    }
  }
  return { images, labels, count };
}

async function classNames(folder: string, layout: CifarLayout): Promise<{ names: string[]; fromFile: boolean }> {
  const path = join(folder, layout.namesFile);
  if (!existsSync(path)) return { names: [...layout.builtinNames], fromFile: false };
  let text: string;
  try {
    if (statSync(path).size > 1 << 20) throw new Error(`${layout.namesFile}: the file is larger than 1 MiB; a list of ${layout.builtinNames.length} class names is far smaller — fix or delete it (the built-in names are then used)`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as Error).message.startsWith(layout.namesFile)) throw error;
    throw new Error(`${layout.namesFile}: cannot read ${path} (${describeFsError(error)})`);
  }
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== layout.builtinNames.length) {
    throw new Error(`${layout.namesFile}: lists ${names.length} class names but ${layout.title} has ${layout.builtinNames.length}; fix or delete the file (the built-in names are then used)`);
  }
  return { names, fromFile: true };
}

/** The folder holding every batch file of `kind`, or an error saying which are missing. */
function locateCifarFiles(folder: string, kind: CifarKind): string {
  const layout = CIFAR_LAYOUTS[kind];
  const root = findCifarFolder(folder, kind);
  const missing = [...layout.trainFiles, ...layout.testFiles].filter((file) => !existsSync(join(root, file)));
  if (missing.length > 0) {
    throw new Error(`${layout.title} folder ${root} is missing ${missing.join(', ')}; it needs ${[...layout.trainFiles, ...layout.testFiles].join(', ')} (fsam-studio data get ${kind} downloads them)`);
  }
  return root;
}

/**
 * What loadCifarDataset would give, from the file sizes (each a whole number of records) and the class
 * names file: the check a run's configuration gets before anything is stored.
 */
export async function probeCifarDataset(folder: string, kind: CifarKind): Promise<DatasetOutline> {
  const layout = CIFAR_LAYOUTS[kind];
  const root = locateCifarFiles(folder, kind);
  const recordBytes = layout.labelBytes + IMAGE_BYTES;
  const counts = async (files: string[]) => {
    let total = 0;
    for (const file of files) {
      const path = join(root, file);
      total += recordCount(path, recordBytes, layout.title);
      // the first record's label bytes: a file of the right size that is no CIFAR batch is refused here, not in its run
      const first = new Uint8Array(layout.labelBytes);
      try {
        const handle = await open(path, 'r');
        try {
          await handle.read(first, 0, first.length, 0);
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw new Error(`${file}: cannot read ${path} (${describeFsError(error)})`);
      }
      checkLabels(first, 0, file, layout);
    }
    return total;
  };
  const { names, fromFile } = await classNames(root, layout);
  return {
    name: kind,
    classCount: names.length,
    imageShape: [SIDE, SIDE, 3],
    trainCount: await counts(layout.trainFiles),
    testCount: await counts(layout.testFiles),
    source: `${layout.title} binary files in ${root}${fromFile ? '' : ' (built-in class names)'}`,
  };
}

/** Loads CIFAR-10 or CIFAR-100 from the folder of its binary files (or the folder the archive was unpacked in). */
export async function loadCifarDataset(folder: string, kind: CifarKind): Promise<ImageDataset> {
  const layout = CIFAR_LAYOUTS[kind];
  const root = locateCifarFiles(folder, kind);
  const { names, fromFile } = await classNames(root, layout);
  const train = await readSplit(root, layout.trainFiles, layout);
  const test = await readSplit(root, layout.testFiles, layout);
  return {
    name: kind,
    classNames: names,
    imageShape: [SIDE, SIDE, 3],
    train,
    test,
    source: `${layout.title} binary files in ${root}${fromFile ? '' : ' (built-in class names)'}`,
  };
}

/** Encodes images (NHWC, 32×32×3) and labels as a CIFAR binary batch; for tests and tools. */
export function encodeCifarBatch(kind: CifarKind, images: Uint8Array, labels: ArrayLike<number>, coarseLabels?: ArrayLike<number>): Uint8Array {
  const layout = CIFAR_LAYOUTS[kind];
  const count = labels.length;
  if (images.length !== count * IMAGE_BYTES) throw new Error(`encodeCifarBatch: ${count} labels need ${count * IMAGE_BYTES} image bytes, got ${images.length}`);
  const recordBytes = layout.labelBytes + IMAGE_BYTES;
  const out = new Uint8Array(count * recordBytes);
  for (let i = 0; i < count; i++) {
    const start = i * recordBytes;
    if (layout.labelBytes === 2) {
      out[start] = coarseLabels?.[i] ?? 0;
      out[start + 1] = labels[i]!;
    } else {
      out[start] = labels[i]!;
    }
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) out[start + layout.labelBytes + c * PLANE + p] = images[(i * PLANE + p) * 3 + c]!;
    }
  }
  return out;
}
