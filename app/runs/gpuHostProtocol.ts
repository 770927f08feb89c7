/**
 * Messages between the run manager's side (the main process) and a GPU host: a page that trains on
 * Chromium's own WebGPU — in the desktop app a hidden, locked-down window (main/electron/gpuHostWindow.ts),
 * in the tests Debian's Chromium. They travel over one MessagePort. The run reports are the worker
 * protocol's (protocol.ts), each tagged with its run; a checkpoint travels as its contents, written into the
 * run's folder by the main side (the page has no file system). Data sets travel as their buffers.
 *
 * The main side parses every message the page sends (`parseHostMessage`): a renderer is not trusted with
 * the store.
 */
import { z } from 'zod';
import { STEP_METRICS, TRAINING_OUTCOMES } from '../domain/index.js';
import type { ImageDataset } from '../data/dataset.js';
import type { WebGpuAdapterInfo } from '../engine/webgpuDevice.js';
import type { TrainerCheckpoint } from '../training/checkpoint.js';
import type { TrainConfig } from '../training/config.js';
import { parseOrThrow } from '../validation.js';
import type { ManagerToWorker } from './protocol.js';
import type { RunReport } from './trainingReport.js';

export type MainToHost =
  /** What adapter the page's WebGPU offers (answered with `adapter`); no device is made. */
  | { type: 'probe' }
  /** Train a run: its config, its data set (buffers transferred), the checkpoint to continue from. */
  | { type: 'start'; runId: number; config: TrainConfig; dataset: ImageDataset; resumeFrom: TrainerCheckpoint | null; allowSoftware: boolean }
  | { type: 'control'; runId: number; message: ManagerToWorker }
  /** Quitting: once every run has ended, end the device (answered with `released`). */
  | { type: 'release' };

export type HostRunReport = RunReport | { type: 'checkpoint'; checkpoint: TrainerCheckpoint } | { type: 'failed'; message: string };

export type HostToMain =
  | { type: 'adapter'; adapter: WebGpuAdapterInfo | null; error: string | null }
  | { type: 'report'; runId: number; report: HostRunReport }
  | { type: 'released' };

const finite = z.number();
const nullableNumber = z.number().nullable();

const stepSchema = z.object({
  step: z.number().int().min(0),
  epoch: z.number().int().min(0),
  elapsedMs: finite,
  // loss may be NaN or infinite (a diverged run reports it): numbers of any value, or null where not reported
  ...Object.fromEntries(STEP_METRICS.map((metric) => [metric.name, nullableNumber])),
});

const evaluationSchema = z.looseObject({
  loss: finite,
  accuracy: finite,
  count: z.number().int().min(0),
  perClassAccuracy: z.array(nullableNumber),
  confusion: z.array(z.array(z.number().int().min(0))),
  cleanAccuracy: finite.optional(),
});

const epochSchema = z.object({ epoch: z.number().int().min(0), step: z.number().int().min(0), train: evaluationSchema, test: evaluationSchema, elapsedMs: finite });

const summarySchema = z.object({
  status: z.enum(TRAINING_OUTCOMES),
  message: z.string().nullable(),
  steps: z.number().int().min(0),
  epochs: z.number().int().min(0),
  finalTestAccuracy: nullableNumber,
  bestTestAccuracy: nullableNumber,
  finalTrainLoss: nullableNumber,
  wallSeconds: finite,
  stepsPerSecond: finite,
});

const namedTensorSchema = z.object({ name: z.string(), shape: z.array(z.number().int().min(0)), values: z.instanceof(Float32Array) });

/** The contents the trainer took; checkpoint.ts checks the header again when it is read back. */
const checkpointSchema = z.object({
  progress: z.looseObject({
    step: z.number().int().min(0),
    epoch: z.number().int().min(0),
    batchInEpoch: z.number().int().min(0),
    batchOrderState: z.array(z.number()),
    trainingMs: finite,
    elapsedMs: finite,
    bestTestAccuracy: nullableNumber,
    lastEpoch: epochSchema.nullable(),
  }),
  network: z.array(namedTensorSchema),
  optimizer: z.object({ tensors: z.array(namedTensorSchema), counters: z.record(z.string(), z.number()) }),
});

const reportSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    resumedAtStep: z.number().int().min(0),
    backend: z.string(),
    device: z.string(),
    parameterCount: z.number().int().min(0),
    stepsPerEpoch: z.number().int().min(0),
    totalSteps: z.number().int().min(0),
    classNames: z.array(z.string()),
  }),
  z.object({ type: z.literal('steps'), steps: z.array(stepSchema) }),
  z.object({ type: z.literal('epoch'), epoch: epochSchema }),
  z.object({ type: z.literal('checkpoint'), checkpoint: checkpointSchema }),
  z.object({ type: z.literal('finished'), summary: summarySchema }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);

const adapterSchema = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  software: z.boolean(),
  maxStorageBuffersPerShaderStage: z.number(),
});

const hostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('adapter'), adapter: adapterSchema.nullable(), error: z.string().nullable() }),
  z.object({ type: z.literal('report'), runId: z.number().int().min(1), report: reportSchema }),
  z.object({ type: z.literal('released') }),
]);

/** A message from the page, checked; throws a ConfigError naming the field otherwise. */
export function parseHostMessage(input: unknown): HostToMain {
  // the schema's records are the domain's types field by field (the evaluations are loose about later fields)
  return parseOrThrow(hostMessageSchema, input, 'gpu host message') as HostToMain;
}

/** The buffers of a data set, to transfer rather than copy. */
export function datasetBuffers(dataset: ImageDataset): ArrayBuffer[] {
  const buffers = [dataset.train, dataset.test].flatMap((split) => [split.images, split.labels, ...(split.features ? [split.features] : [])].map((array) => array.buffer));
  // a split may be a view of a larger buffer that another view shares: each buffer once
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

/** The buffers of a checkpoint's tensors, to transfer rather than copy. */
export function checkpointBuffers(checkpoint: TrainerCheckpoint): ArrayBuffer[] {
  const buffers = [...checkpoint.network, ...checkpoint.optimizer.tensors].map((tensor) => tensor.values.buffer);
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}
