/**
 * Counts what a webgpu step moves between CPU and GPU and how many shader pipelines exist: the figures the
 * bench prints (`fsam-studio bench --backend webgpu`) and a test holds steady — after the first steps, one
 * download per step (the packed metrics), the batch's two uploads, and no new pipeline (shapes are fixed
 * per run, so every shader is compiled once).
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface GpuTraffic {
  /** Reads that copied a buffer back from the GPU. */
  downloads: number;
  /** Tensors whose CPU values were copied to the GPU. */
  uploads: number;
  /** Compiled compute pipelines (tfjs-webgpu caches one per shader key). */
  pipelines: number;
}

interface TensorData {
  values?: unknown;
  resource?: unknown;
}

interface InspectableWebGpuBackend {
  tensorMap: { get(dataId: object): TensorData | undefined };
  read(dataId: object): Promise<unknown>;
  uploadToGPU(dataId: object): void;
  pipelineCache: Record<string, unknown>;
}

/** Starts counting on `backend` (tfjs-webgpu's); the returned function gives the totals so far. */
export function countGpuTraffic(backend: tf.KernelBackend): () => GpuTraffic {
  const target = backend as unknown as InspectableWebGpuBackend;
  let downloads = 0;
  let uploads = 0;
  const read = target.read.bind(target);
  target.read = (dataId) => {
    // values still on the CPU side are returned without touching the GPU
    if (target.tensorMap.get(dataId)?.values == null) downloads++;
    return read(dataId);
  };
  const upload = target.uploadToGPU.bind(target);
  target.uploadToGPU = (dataId) => {
    const data = target.tensorMap.get(dataId);
    if (data && data.resource == null && data.values != null) uploads++;
    upload(dataId);
  };
  return () => ({ downloads, uploads, pipelines: Object.keys(target.pipelineCache).length });
}

/** What happened between two snapshots. */
export function trafficBetween(before: GpuTraffic, after: GpuTraffic): GpuTraffic {
  return { downloads: after.downloads - before.downloads, uploads: after.uploads - before.uploads, pipelines: after.pipelines - before.pipelines };
}
