/** Small data sets of every file kind, written to disk for the data readers' tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeCifarBatch } from '../../app/data/cifar.js';
import { writeIdxFile } from '../../app/data/idx.js';
import { encodePng } from '../../app/data/png.js';

/** Writes `content` at `path`, making its folders; returns the path. */
export function writeFile(path: string, content: string | Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** The four MNIST-format files in `folder`: `train` and `test` examples of side × side grey pixels. */
export async function writeIdxSet(folder: string, train: number, test: number, side = 28): Promise<string> {
  mkdirSync(folder, { recursive: true });
  const pixels = (count: number) => Uint8Array.from({ length: count * side * side }, (_, i) => (i * 37) & 255);
  const labels = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 10);
  await writeIdxFile(join(folder, 'train-images-idx3-ubyte'), [train, side, side], pixels(train));
  await writeIdxFile(join(folder, 'train-labels-idx1-ubyte'), [train], labels(train));
  await writeIdxFile(join(folder, 't10k-images-idx3-ubyte'), [test, side, side], pixels(test));
  await writeIdxFile(join(folder, 't10k-labels-idx1-ubyte'), [test], labels(test));
  return folder;
}

/** CIFAR-10's six binary batches in `folder`, `perBatch` records each. */
export function writeCifar10Set(folder: string, perBatch: number): string {
  mkdirSync(folder, { recursive: true });
  const batch = () => encodeCifarBatch('cifar10', new Uint8Array(perBatch * 3072).fill(90), Array.from({ length: perBatch }, (_, i) => i % 10));
  for (let b = 1; b <= 5; b++) writeFileSync(join(folder, `data_batch_${b}.bin`), batch());
  writeFileSync(join(folder, 'test_batch.bin'), batch());
  return folder;
}

/** An image folder: one subfolder per class name, `perClass` small grey PNGs in each. */
export function writeImageFolder(folder: string, classes: string[], perClass: number): string {
  for (const [label, name] of classes.entries()) {
    for (let i = 0; i < perClass; i++) writeFile(join(folder, name, `${i}.png`), encodePng(new Uint8Array(16).fill(40 * label + i), 4, 4, 1));
  }
  return folder;
}

/** A CSV file of `rows` rows, two numeric features and a label of `classes` values. */
export function writeCsv(path: string, rows: number, classes = 2): string {
  const lines = ['x,y,label', ...Array.from({ length: rows }, (_, i) => `${i},${(i * 7) % 5},c${i % classes}`)];
  return writeFile(path, `${lines.join('\n')}\n`);
}
