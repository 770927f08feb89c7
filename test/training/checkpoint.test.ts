/**
 * A checkpoint file on disk: a real one, as the trainer produced it and the writer wrote it, reads back
 * exactly; cut short or altered, it is refused with a message naming the file and what is wrong, never a
 * RangeError or a JSON error; and writing it leaves no temporary file behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../app/data/index.js';
import { initBackend } from '../../app/engine/backend.js';
import { readCheckpoint, writeCheckpoint, type TrainerCheckpoint } from '../../app/training/checkpoint.js';
import { Trainer } from '../../app/training/trainer.js';
import { temporaryFolder, tinyRunConfig } from '../support/runs.js';

const folder = temporaryFolder('fsam-checkpoint-');
after(() => folder.remove());

let checkpoint: TrainerCheckpoint;
let original: Buffer;
const written = join(folder.path, 'run', 'checkpoint-step-8.ckpt');

before(async () => {
  await initBackend();
  // F-SAM: its checkpoint holds optimizer tensors (momentum, EMA) and counters besides the network
  const config = tinyRunConfig({ epochs: 1, optimizer: { name: 'fsam', lr: 0.05 } });
  const trainer = new Trainer(config, await loadDataset(config.data));
  try {
    for await (const event of trainer.run()) if (event.type === 'checkpoint') checkpoint = event.checkpoint;
  } finally {
    trainer.dispose();
  }
  assert.ok(checkpoint, 'the run left a checkpoint');
  mkdirSync(join(folder.path, 'run'));
  const bytes = writeCheckpoint(written, checkpoint);
  original = readFileSync(written);
  assert.equal(bytes, original.length, 'writeCheckpoint returns the size of the file it wrote');
});

/** A copy of the checkpoint, changed by `damage`, at a path of its own. */
function damagedCopy(name: string, damage: (bytes: Buffer) => Buffer): string {
  const path = join(folder.path, name);
  writeFileSync(path, damage(Buffer.from(original)));
  return path;
}

/** Asserts reading `path` throws a plain Error whose message names the file and matches `problem`. */
function refused(path: string, problem: RegExp): void {
  assert.throws(() => readCheckpoint(path), (error: unknown) => {
    assert.ok(error instanceof Error, String(error));
    assert.ok(!(error instanceof RangeError) && !(error instanceof SyntaxError), `a clear message, not a ${(error as Error).name}: ${(error as Error).message}`);
    assert.ok(error.message.includes(path), `"${error.message}" names ${path}`);
    assert.match(error.message, problem);
    return true;
  });
}

test('a checkpoint reads back exactly what was written', () => {
  const read = readCheckpoint(written);
  assert.deepEqual(read.progress, checkpoint.progress);
  assert.deepEqual(read.optimizer.counters, checkpoint.optimizer.counters);
  const tensors = (list: { name: string; shape: number[]; values: Float32Array }[]) => list.map((t) => ({ name: t.name, shape: t.shape, values: Array.from(t.values) }));
  assert.deepEqual(tensors(read.network), tensors(checkpoint.network));
  assert.deepEqual(tensors(read.optimizer.tensors), tensors(checkpoint.optimizer.tensors));
  assert.ok(read.optimizer.tensors.length > 0, 'F-SAM keeps optimizer state');
});

test('a checkpoint cut in half is refused as truncated, with the sizes', () => {
  const half = Math.floor(original.length / 2);
  const path = damagedCopy('half.ckpt', (bytes) => bytes.subarray(0, half));
  refused(path, new RegExp(`^Checkpoint .* is damaged: truncated \\(expected ${original.length} bytes, found ${half}\\)$`));
  // cut inside the header, or inside its first bytes, or emptied: still named, still "truncated"
  refused(damagedCopy('header-cut.ckpt', (bytes) => bytes.subarray(0, 40)), /is damaged: truncated \(expected at least \d+ bytes, found 40\)/);
  refused(damagedCopy('magic-cut.ckpt', (bytes) => bytes.subarray(0, 5)), /is damaged: truncated \(expected at least 12 bytes, found 5\)/);
  refused(damagedCopy('empty.ckpt', () => Buffer.alloc(0)), /is damaged: truncated \(expected at least 12 bytes, found 0\)/);
  // the last bytes lost, or bytes added
  refused(damagedCopy('short.ckpt', (bytes) => bytes.subarray(0, bytes.length - 1)), /is damaged: truncated \(expected \d+ bytes, found \d+\)/);
  refused(damagedCopy('longer.ckpt', (bytes) => Buffer.concat([bytes, Buffer.from('x')])), /is damaged: 1 more byte than its header describes \(expected \d+ bytes, found \d+\)/);
});

test('a checkpoint with one byte changed is refused: a weight by its checksum, the header by what it says', () => {
  const headerEnd = 12 + original.readUInt32LE(8);
  const flipAt = (at: number) => (bytes: Buffer) => {
    bytes[at] = bytes[at]! ^ 0x01;
    return bytes;
  };
  // a weight's lowest bit: a value that still reads as a float, found only by the checksum
  refused(damagedCopy('weight.ckpt', flipAt(headerEnd + 4 * 17)), /is damaged: checksum mismatch/);
  refused(damagedCopy('trailer.ckpt', flipAt(original.length - 1)), /is damaged: checksum mismatch/);
  // the header: a digit of the step count (still JSON, still the same length), a brace, the header's length
  const stepAt = original.indexOf('"step":', 12) + '"step":'.length;
  refused(damagedCopy('step.ckpt', flipAt(stepAt)), /is damaged: checksum mismatch/);
  refused(damagedCopy('brace.ckpt', flipAt(12)), /is damaged: its header is not readable JSON/);
  refused(damagedCopy('length.ckpt', flipAt(11)), /is damaged: truncated \(expected at least \d+ bytes/);
  // not a checkpoint at all
  assert.throws(() => readCheckpoint(damagedCopy('other.ckpt', flipAt(0))), /other\.ckpt is not an F-SAM Studio checkpoint/);
});

test('a format 1 checkpoint (written before the checksum) still reads; cut, it is refused the same way', () => {
  // format 1 is format 2 without its 32-byte digest; "format":1 is as long as "format":2, so the header length holds
  const legacy = Buffer.from(original.subarray(0, original.length - 32));
  const formatAt = legacy.indexOf('"format":2', 12);
  assert.ok(formatAt > 0, 'the header names its format');
  legacy.write('"format":1', formatAt, 'utf8');
  const path = join(folder.path, 'legacy.ckpt');
  writeFileSync(path, legacy);
  const read = readCheckpoint(path);
  assert.deepEqual(read.progress, checkpoint.progress);
  assert.deepEqual(Array.from(read.network[0]!.values), Array.from(checkpoint.network[0]!.values));
  const half = Math.floor(legacy.length / 2);
  writeFileSync(path, legacy.subarray(0, half));
  refused(path, new RegExp(`is damaged: truncated \\(expected ${legacy.length} bytes, found ${half}\\)`));
});

test('writing is atomic: the folder holds only the checkpoint after a write, a rewrite and a failed write', () => {
  assert.deepEqual(readdirSync(join(folder.path, 'run')), ['checkpoint-step-8.ckpt']);
  // rewritten in place: the new file replaces the old one whole
  writeCheckpoint(written, { ...checkpoint, progress: { ...checkpoint.progress, step: 9 } });
  assert.equal(readCheckpoint(written).progress.step, 9);
  assert.deepEqual(readdirSync(join(folder.path, 'run')), ['checkpoint-step-8.ckpt']);
  // a write that cannot land (a folder holding a file is in the way) fails and takes its temporary file with it
  const blocked = join(folder.path, 'run', 'blocked.ckpt');
  mkdirSync(blocked);
  writeFileSync(join(blocked, 'keep'), 'x');
  assert.throws(() => writeCheckpoint(blocked, checkpoint), /EISDIR|ENOTEMPTY|EEXIST|EPERM/);
  assert.deepEqual(readdirSync(join(folder.path, 'run')).sort(), ['blocked.ckpt', 'checkpoint-step-8.ckpt']);
  assert.equal(readCheckpoint(written).progress.step, 9, 'the failed write left the other checkpoint alone');
});
