/**
 * Scalar constants are uploaded to the GPU once, not once per operation.
 *
 * Every `tf.mul(x, 0.9)` makes a new scalar tensor, and tfjs-webgpu gives each its own buffer and staging
 * copy when a shader first reads it: a ResNet-20 F-SAM step made 582 such uploads (momentum, learning rate,
 * λ, weight decay, batch norm's ε and counts), all of a handful of values. Here the backend's `write`
 * returns one shared data id per (dtype, value) for scalars, with one more reference held by the cache —
 * TF.js's own way of letting tensors share data (as reshape does), so disposing a tensor only drops its
 * reference. Kernels never write into their inputs, so shared data stays constant. The cache is bounded: a
 * learning rate that changes every step evicts the oldest entry rather than growing it.
 * No Node import: the desktop's GPU host (Chromium's WebGPU) uses it too.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Distinct scalars kept; a run uses a few dozen fixed ones (the hyperparameters, batch norm's constants). */
const CACHE_SIZE = 256;

type DataId = object;

interface WritableBackend {
  tensorMap: { has(dataId: DataId): boolean };
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): DataId;
  incRef(dataId: DataId): void;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

const caches = new WeakMap<object, Map<string, DataId>>();

/** Makes `backend` share the data of equal scalars (idempotent per backend instance). Returns the cache's size, for tests. */
export function shareScalarUploads(backend: tf.KernelBackend): () => number {
  const target = backend as unknown as WritableBackend;
  const known = caches.get(target);
  if (known) return () => known.size;
  const cache = new Map<string, DataId>();
  caches.set(target, cache);
  const write = target.write.bind(target);
  target.write = (values, shape, dtype) => {
    // only uploads: an output (no values yet) gets its own buffer, which a shader then writes
    if (values == null || shape.length !== 0 || (dtype !== 'float32' && dtype !== 'int32') || values.length !== 1) return write(values, shape, dtype);
    const value = Number(values[0]);
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    const existing = cache.get(key);
    // data moved to another backend (tf.setBackend with tensors alive) is gone from this one: make it anew
    if (existing && !target.tensorMap.has(existing)) cache.delete(key);
    else if (existing) {
      // most recently used last: the eviction below drops the oldest
      cache.delete(key);
      cache.set(key, existing);
      target.incRef(existing);
      return existing;
    }
    // a copy: the caller's array may be a buffer it goes on writing into
    const dataId = write(dtype === 'float32' ? Float32Array.of(value) : Int32Array.of(value), shape, dtype);
    target.incRef(dataId);
    cache.set(key, dataId);
    if (cache.size > CACHE_SIZE) {
      const [oldestKey, oldest] = cache.entries().next().value as [string, DataId];
      cache.delete(oldestKey);
      // the cache's own reference; where no tensor holds one any more, the engine forgets the data too
      if (target.disposeData(oldest)) (tf.engine() as unknown as { removeDataId(id: DataId, backend: object): void }).removeDataId(oldest, target);
    }
    return dataId;
  };
  return () => cache.size;
}
