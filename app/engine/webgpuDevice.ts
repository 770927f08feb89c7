/**
 * tfjs-webgpu on a `GPU` (navigator.gpu), whoever provides it: Dawn's Node addon in the CLI and the worker
 * threads (webgpu.ts), or Chromium's own WebGPU in the desktop app's hidden GPU host (app/runs/gpuHost.ts).
 * No Node import here: the host page bundles this module.
 *
 * - A software adapter (lavapipe, SwiftShader) is slower than wasm: it is used only when asked for
 *   (FSAM_BACKEND=webgpu), never chosen on its own.
 * - The device asks for the adapter's own storage-buffer limit (WebGPU's default is 8 per stage, and
 *   tfjs-webgpu's AddN binds one per input plus its output); where even the adapter's limit is small,
 *   AddN is split into groups that fit (`fitAddNToLimit`). Nothing is assumed beyond what the adapter says.
 * - Kernels tfjs-webgpu gets wrong for the studio's models are replaced (webgpuKernels.ts), and scalar
 *   constants are uploaded once, not once per operation (webgpuScalars.ts).
 * - `releaseWebGpu` ends the device once every pending read has settled: Dawn aborts the whole process when
 *   a thread is terminated with a GPU read pending, so workers stop cooperatively and call it before they exit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerWebGpuKernels } from './webgpuKernels.js';
import { shareScalarUploads } from './webgpuScalars.js';

export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  software: boolean;
  maxStorageBuffersPerShaderStage: number;
}

let device: GPUDevice | undefined;

/**
 * The adapter's own view of itself: software renderers say so in their architecture or their name (Dawn's
 * lavapipe: "llvmpipe" in its device; Chromium's SwiftShader: vendor "google", architecture "swiftshader").
 */
export function isSoftwareAdapter(info: { architecture?: string; device?: string; description?: string; vendor?: string }): boolean {
  return /llvmpipe|lavapipe|swiftshader|software/i.test(`${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''} ${info.vendor ?? ''}`);
}

export function describeAdapter(info: Pick<WebGpuAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description' | 'software'>): string {
  const name = [info.vendor, info.architecture, info.device || info.description].filter(Boolean).join(' ');
  return `${info.software ? 'software ' : ''}GPU: ${name || 'unnamed adapter'}`;
}

/** `adapter.info` (WebGPU's typings here predate it). */
function adapterInfoOf(adapter: GPUAdapter): GPUAdapterInfo {
  return (adapter as GPUAdapter & { info: GPUAdapterInfo }).info;
}

/** The best adapter of `gpu` and what it is (no device is made); without one, throws `noAdapter`. */
export async function findAdapter(gpu: GPU, noAdapter: string, storageBufferCap = Number.POSITIVE_INFINITY): Promise<{ adapter: GPUAdapter; info: WebGpuAdapterInfo }> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(noAdapter);
  const raw = adapterInfoOf(adapter);
  const info: WebGpuAdapterInfo = {
    vendor: raw.vendor,
    architecture: raw.architecture,
    device: raw.device,
    description: raw.description,
    software: isSoftwareAdapter(raw),
    maxStorageBuffersPerShaderStage: Math.min(adapter.limits.maxStorageBuffersPerShaderStage, storageBufferCap),
  };
  return { adapter, info };
}

/**
 * Loads tfjs-webgpu on the best adapter of `gpu` and activates it; returns what the adapter is. Refuses a
 * software adapter unless `allowSoftware`.
 */
export async function loadWebGpuOn(gpu: GPU, noAdapter: string, allowSoftware: boolean, storageBufferCap = Number.POSITIVE_INFINITY): Promise<WebGpuAdapterInfo> {
  // imported here, not at the top: in Node it must load after navigator.gpu exists, so that it registers
  // nothing itself (the device is made below)
  const { WebGPUBackend, webgpu_util } = await import('@tensorflow/tfjs-backend-webgpu');
  const { adapter, info } = await findAdapter(gpu, noAdapter, storageBufferCap);
  if (info.software && !allowSoftware) {
    throw new Error(`only a software WebGPU adapter is here (${describeAdapter(info)}), slower than wasm; FSAM_BACKEND=webgpu uses it anyway`);
  }
  const limits = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffersPerShaderStage: info.maxStorageBuffersPerShaderStage,
  };
  const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((feature) => adapter.features.has(feature));
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return new WebGPUBackend(device, adapterInfoOf(adapter));
  });
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error('TF.js could not initialise the webgpu backend on this adapter');
  await tf.ready();
  fitAddNToLimit(info.maxStorageBuffersPerShaderStage);
  registerWebGpuKernels(webgpu_util);
  shareScalarUploads(tf.backend());
  return info;
}

/**
 * tfjs-webgpu's AddN binds every input and its output as storage buffers; with more inputs than the
 * device's limit allows the pipeline is invalid and every later step with it. Past the limit, AddN adds
 * groups that fit and then adds the partial sums.
 */
let originalAddN: tf.KernelConfig | undefined;

function fitAddNToLimit(maxStorageBuffers: number): void {
  originalAddN ??= tf.getKernel('AddN', 'webgpu');
  const original = originalAddN;
  if (!original) return;
  const perCall = Math.max(2, maxStorageBuffers - 1);
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      if (inputs.length <= perCall) return original.kernelFunc(args);
      const backend = args.backend as tf.KernelBackend;
      // partial sums are ours to free once added; the caller's inputs are not
      const partials = new Set<tf.TensorInfo>();
      const add = (group: tf.TensorInfo[]) => original.kernelFunc({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      let level = inputs;
      while (level.length > perCall) {
        const next: tf.TensorInfo[] = [];
        for (let start = 0; start < level.length; start += perCall) {
          const group = level.slice(start, start + perCall);
          if (group.length === 1) {
            next.push(group[0]!);
            continue;
          }
          const sum = add(group);
          for (const info of group) if (partials.delete(info)) backend.disposeData(info.dataId);
          partials.add(sum);
          next.push(sum);
        }
        level = next;
      }
      const result = add(level);
      for (const info of level) if (partials.delete(info)) backend.disposeData(info.dataId);
      return result;
    },
  });
}

/** Ends the webgpu backend and its device (after every pending read has settled), so the thread can exit. */
export async function releaseWebGpu(): Promise<void> {
  if (tf.getBackend() === 'webgpu') {
    await tf.ready();
    tf.removeBackend('webgpu');
  }
  device?.destroy();
  device = undefined;
}
