/**
 * A run's checkpoint on disk: everything needed to continue training exactly where it stopped — the
 * network's weights and batch-norm statistics, every optimizer state (momentum buffers, Adam moments,
 * F-SAM's EMA and counters), the batch-order generator and the step counter.
 *
 * File layout (format 2): "FSAMCKPT" · uint32 LE header length · header JSON (UTF-8, padded to 4 bytes) ·
 * float32 LE values of every tensor, in header order · the SHA-256 of every byte before it (32 bytes). One
 * binary blob keeps a ResNet's weights compact and fast to write; the JSON header keeps the rest readable
 * with any tool; the digest lets a damaged file (cut short by a full disk, altered by a copy) be refused
 * with its name instead of resuming from wrong weights. Format 1 files (no digest) are still read.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { NamedWeights } from '../models/network.js';
import type { OptimizerState } from '../optim/trainingOptimizer.js';
import type { EpochMetrics } from '../domain/metrics.js';

/** Where in the run a checkpoint was taken, and the running totals the trainer carries. */
export interface TrainerProgress {
  /** Steps done. */
  step: number;
  /** The epoch the next step belongs to, and that step's batch index within it. */
  epoch: number;
  batchInEpoch: number;
  /** State of the batch-order generator before `epoch`'s permutation was drawn. */
  batchOrderState: number[];
  trainingMs: number;
  elapsedMs: number;
  bestTestAccuracy: number | null;
  lastEpoch: EpochMetrics | null;
}

export interface TrainerCheckpoint {
  progress: TrainerProgress;
  network: NamedWeights[];
  optimizer: OptimizerState;
}

const MAGIC = 'FSAMCKPT';
/** Format 2 added the SHA-256 trailer; format 1 files (written before it) are read without one. */
const FORMAT_VERSION = 2;
const LEGACY_FORMAT = 1;
const PREAMBLE_BYTES = MAGIC.length + 4;
const DIGEST_BYTES = 32;

interface TensorEntry {
  group: 'network' | 'optimizer';
  name: string;
  shape: number[];
  length: number;
}

interface Header {
  format: number;
  progress: TrainerProgress;
  counters: Record<string, number>;
  tensors: TensorEntry[];
}

/** What a header must hold before its lengths are trusted to slice the file (also format 1's, which has no digest). */
const headerSchema = z.object({
  format: z.number().int(),
  // loose: a field the trainer adds later is kept, not stripped
  progress: z.looseObject({
    step: z.number().int().min(0),
    epoch: z.number().int().min(0),
    batchInEpoch: z.number().int().min(0),
    batchOrderState: z.array(z.number()),
    trainingMs: z.number(),
    elapsedMs: z.number(),
    bestTestAccuracy: z.number().nullable(),
    // the trainer's own record of its last epoch, kept as written
    lastEpoch: z.custom<EpochMetrics | null>((value) => value === null || (typeof value === 'object' && !Array.isArray(value))),
  }),
  counters: z.record(z.string(), z.number()),
  tensors: z.array(
    z.object({
      group: z.enum(['network', 'optimizer']),
      name: z.string(),
      shape: z.array(z.number().int().min(0)),
      length: z.number().int().min(0),
    }),
  ),
});

/** Writes the checkpoint atomically (see writeFileAtomically), so a crash never leaves half a file; returns its size. */
export function writeCheckpoint(path: string, checkpoint: TrainerCheckpoint): number {
  const tensors = [
    ...checkpoint.network.map((t) => ({ group: 'network' as const, ...t })),
    ...checkpoint.optimizer.tensors.map((t) => ({ group: 'optimizer' as const, ...t })),
  ];
  const header: Header = {
    format: FORMAT_VERSION,
    progress: checkpoint.progress,
    counters: checkpoint.optimizer.counters,
    tensors: tensors.map(({ group, name, shape, values }) => ({ group, name, shape, length: values.length })),
  };
  let headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (4 - (headerBytes.length % 4)) % 4;
  headerBytes = Buffer.concat([headerBytes, Buffer.alloc(padding, 0x20)]);
  const floatCount = tensors.reduce((sum, t) => sum + t.values.length, 0);
  const digestAt = PREAMBLE_BYTES + headerBytes.length + floatCount * 4;
  const file = Buffer.alloc(digestAt + DIGEST_BYTES);
  file.write(MAGIC, 0, 'ascii');
  file.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(file, PREAMBLE_BYTES);
  let offset = PREAMBLE_BYTES + headerBytes.length;
  for (const { values } of tensors) {
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    if (isLittleEndian()) bytes.copy(file, offset);
    else for (let i = 0; i < values.length; i++) file.writeFloatLE(values[i]!, offset + i * 4);
    offset += values.byteLength;
  }
  sha256(file.subarray(0, digestAt)).copy(file, digestAt);
  writeFileAtomically(path, file);
  return file.length;
}

/**
 * Writes a checkpoint's bytes, as writeCheckpoint made them elsewhere (a remote worker's, app/queue),
 * atomically and only once they read back as a checkpoint: damaged bytes are refused, never kept.
 */
export function writeCheckpointBytes(path: string, bytes: Uint8Array): number {
  writeFileAtomically(path, bytes);
  try {
    readCheckpoint(path);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
  return bytes.length;
}

/**
 * Reads a checkpoint written by writeCheckpoint. A file that is cut short, altered, or not a checkpoint at
 * all is refused with an Error naming the file and what is wrong with it (never a RangeError from a read
 * past its end, nor a JSON error from a damaged header).
 */
export function readCheckpoint(path: string): TrainerCheckpoint {
  const file = readFileSync(path);
  const damaged = (problem: string) => new Error(`Checkpoint ${path} is damaged: ${problem}`);
  const sizes = (expected: number, atLeast = false) => `(expected ${atLeast ? 'at least ' : ''}${expected} bytes, found ${file.length})`;

  const start = file.toString('ascii', 0, Math.min(file.length, MAGIC.length));
  // a file cut inside its first bytes (or emptied) still starts like a checkpoint
  if (file.length < PREAMBLE_BYTES && MAGIC.startsWith(start)) throw damaged(`truncated ${sizes(PREAMBLE_BYTES, true)}`);
  if (start !== MAGIC) throw new Error(`${path} is not an F-SAM Studio checkpoint`);
  // a format 2 file is intact when its trailer is the digest of the rest; a damaged one is told apart below
  const intact = file.length >= PREAMBLE_BYTES + DIGEST_BYTES && sha256(file.subarray(0, file.length - DIGEST_BYTES)).equals(file.subarray(file.length - DIGEST_BYTES));

  const headerLength = file.readUInt32LE(MAGIC.length);
  const headerEnd = PREAMBLE_BYTES + headerLength;
  if (headerEnd > file.length) throw damaged(`truncated ${sizes(headerEnd, true)}`);
  let raw: unknown;
  try {
    raw = JSON.parse(file.toString('utf8', PREAMBLE_BYTES, headerEnd));
  } catch (error) {
    throw damaged(`its header is not readable JSON (${(error as Error).message})`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && Number.isInteger(format) && format > FORMAT_VERSION) {
    // its integrity cannot be checked by a version that does not know its layout
    throw new Error(`${path} is a checkpoint of format ${format} (written by a newer F-SAM Studio, or damaged); this version reads formats ${LEGACY_FORMAT} and ${FORMAT_VERSION}`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw damaged(`its header does not describe a checkpoint (${issue.path.join('.') || 'header'}: ${issue.message})`);
  }
  const header: Header = parsed.data;
  if (header.format !== FORMAT_VERSION && header.format !== LEGACY_FORMAT) throw damaged(`its header names format ${header.format}, which this version of F-SAM Studio does not know`);

  const payloadBytes = header.tensors.reduce((sum, entry) => sum + entry.length * 4, 0);
  const expected = headerEnd + payloadBytes + (header.format === FORMAT_VERSION ? DIGEST_BYTES : 0);
  if (file.length < expected) throw damaged(`truncated ${sizes(expected)}`);
  if (file.length > expected) {
    const extra = file.length - expected;
    throw damaged(`${extra} more byte${extra === 1 ? '' : 's'} than its header describes ${sizes(expected)}`);
  }
  if (header.format === FORMAT_VERSION && !intact) throw damaged('checksum mismatch (its contents changed after it was written)');

  let offset = headerEnd;
  const network: NamedWeights[] = [];
  const optimizerTensors: OptimizerState['tensors'] = [];
  for (const entry of header.tensors) {
    const values = readFloats(file, offset, entry.length);
    offset += entry.length * 4;
    (entry.group === 'network' ? network : optimizerTensors).push({ name: entry.name, shape: entry.shape, values });
  }
  return { progress: header.progress, network, optimizer: { tensors: optimizerTensors, counters: header.counters } };
}

function readFloats(file: Buffer, offset: number, length: number): Float32Array {
  // a copy of the bytes: the file's buffer may not start on a 4-byte boundary
  if (isLittleEndian()) return new Float32Array(file.buffer.slice(file.byteOffset + offset, file.byteOffset + offset + length * 4));
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = file.readFloatLE(offset + i * 4);
  return values;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Replaces `path` with `bytes` so that a crash or a full disk leaves either the old file or the new one,
 * never part of one: the bytes go to a temporary file in the same folder (a rename across file systems is
 * not atomic), are flushed to the disk, and the file is then renamed over the target.
 */
function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.partial`;
  try {
    const descriptor = openSync(temporary, 'w');
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(descriptor, bytes, written, bytes.length - written);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

/** Flushes a folder's entries (the rename) to the disk; not possible on every platform, and then skipped. */
function syncFolder(folder: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(folder, 'r');
    fsyncSync(descriptor);
  } catch {
    // Windows cannot open a folder for fsync; its rename is already durable enough for a checkpoint
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
