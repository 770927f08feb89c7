/**
 * A run's checkpoint on disk: everything needed to continue training exactly where it stopped — the
 * network's weights and batch-norm statistics, every optimizer state (momentum buffers, Adam moments,
 * F-SAM's EMA and counters), the batch-order generator and the step counter.
 *
 * File layout: "FSAMCKPT" · uint32 LE header length · header JSON (UTF-8, padded to 4 bytes) · float32 LE
 * values of every tensor, in header order. One binary blob keeps a ResNet's weights compact and fast to
 * write; the JSON header keeps the rest readable with any tool.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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
const FORMAT_VERSION = 1;

interface TensorEntry {
  group: 'network' | 'optimizer';
  name: string;
  shape: number[];
  length: number;
}

interface Header {
  format: typeof FORMAT_VERSION;
  progress: TrainerProgress;
  counters: Record<string, number>;
  tensors: TensorEntry[];
}

/** Writes the checkpoint atomically (a temporary file renamed over the target), so a crash never leaves half a file. */
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
  const file = Buffer.alloc(MAGIC.length + 4 + headerBytes.length + floatCount * 4);
  file.write(MAGIC, 0, 'ascii');
  file.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(file, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + headerBytes.length;
  for (const { values } of tensors) {
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    if (isLittleEndian()) bytes.copy(file, offset);
    else for (let i = 0; i < values.length; i++) file.writeFloatLE(values[i]!, offset + i * 4);
    offset += values.byteLength;
  }
  const temporary = `${path}.partial`;
  writeFileSync(temporary, file);
  renameSync(temporary, path);
  return file.length;
}

export function readCheckpoint(path: string): TrainerCheckpoint {
  const file = readFileSync(path);
  if (file.length < MAGIC.length + 4 || file.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`${path} is not an F-SAM Studio checkpoint`);
  }
  const headerLength = file.readUInt32LE(MAGIC.length);
  const header = JSON.parse(file.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as Header;
  if (header.format !== FORMAT_VERSION) {
    throw new Error(`${path} is a checkpoint of format ${header.format}; this version of F-SAM Studio reads format ${FORMAT_VERSION}`);
  }
  let offset = MAGIC.length + 4 + headerLength;
  const network: NamedWeights[] = [];
  const optimizerTensors: OptimizerState['tensors'] = [];
  for (const entry of header.tensors) {
    const values = new Float32Array(entry.length);
    for (let i = 0; i < entry.length; i++) values[i] = file.readFloatLE(offset + i * 4);
    offset += entry.length * 4;
    (entry.group === 'network' ? network : optimizerTensors).push({ name: entry.name, shape: entry.shape, values });
  }
  if (offset !== file.length) throw new Error(`${path} is truncated or damaged (${file.length} bytes, expected ${offset})`);
  return { progress: header.progress, network, optimizer: { tensors: optimizerTensors, counters: header.counters } };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
