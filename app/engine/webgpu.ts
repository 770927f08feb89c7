/**
 * The webgpu backend in plain Node: Dawn's addon (the `webgpu` package, prebuilt for Linux, macOS and
 * Windows) gives `navigator.gpu`, and @tensorflow/tfjs-backend-webgpu runs on the device it hands out.
 *
 * - A software adapter (lavapipe, SwiftShader) is slower than wasm: it is used only when asked for
 *   (FSAM_BACKEND=webgpu), never chosen on its own.
 * - The device asks for the adapter's own storage-buffer limit (WebGPU's default is 8 per stage, and
 *   tfjs-webgpu's AddN binds one per input plus its output); where even the adapter's limit is small,
 *   AddN is split into groups that fit (`fitAddNToLimit`). Nothing is assumed beyond what the adapter says.
 * - Kernels tfjs-webgpu gets wrong for the studio's models are replaced (app/engine/webgpuKernels.ts), and
 *   scalar constants are uploaded once, not once per operation (app/engine/webgpuScalars.ts).
 * - `releaseWebGpu` ends the device cleanly; terminating a thread with a GPU read pending aborts the whole
 *   process (Dawn), so workers stop cooperatively and call it before they exit.
 * - On Node 22 `globalThis.navigator` is a getter: `gpu` is defined on it, never assigned over it.
 */
import { createRequire } from 'node:module';
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

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

let device: GPUDevice | undefined;

/** Dawn's own view of the adapter: software renderers say so in their architecture or their name. */
export function isSoftwareAdapter(info: { architecture?: string; device?: string; description?: string; vendor?: string }): boolean {
  return info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader|software/i.test(`${info.device ?? ''} ${info.description ?? ''} ${info.vendor ?? ''}`);
}

function dawnGpu(): GPU {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  const dawn = createRequire(import.meta.url)('webgpu') as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const holder = globalThis as { navigator?: object };
  if (holder.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
  return gpu;
}

/**
 * Loads tfjs-webgpu on Dawn's best adapter and activates it; returns what the adapter is. Refuses a
 * software adapter unless `allowSoftware`.
 */
export async function loadWebGpu(allowSoftware: boolean, storageBufferCap = capFromEnvironment()): Promise<WebGpuAdapterInfo> {
  // imported before navigator.gpu exists, so that it registers nothing itself: the device is made here
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const gpu = dawnGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Vulkan, Metal or D3D12 driver)');
  const raw = (adapter as GPUAdapter & { info: GPUAdapterInfo }).info;
  const info: WebGpuAdapterInfo = {
    vendor: raw.vendor,
    architecture: raw.architecture,
    device: raw.device,
    description: raw.description,
    software: isSoftwareAdapter(raw),
    maxStorageBuffersPerShaderStage: Math.min(adapter.limits.maxStorageBuffersPerShaderStage, storageBufferCap),
  };
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
    return new WebGPUBackend(device, raw);
  });
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error('TF.js could not initialise the webgpu backend on this adapter');
  await tf.ready();
  fitAddNToLimit(info.maxStorageBuffersPerShaderStage);
  registerWebGpuKernels();
  shareScalarUploads(tf.backend());
  return info;
}

/**
 * FSAM_WEBGPU_STORAGE_BUFFERS=N asks the device for at most N storage buffers per shader stage: how the
 * tests (and a curious user) reproduce a GPU that offers only WebGPU's default of 8 on an adapter with more.
 */
function capFromEnvironment(): number {
  const value = Number(process.env.FSAM_WEBGPU_STORAGE_BUFFERS);
  return Number.isInteger(value) && value >= 4 ? value : Number.POSITIVE_INFINITY;
}

export function describeAdapter(info: Pick<WebGpuAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description' | 'software'>): string {
  const name = [info.vendor, info.architecture, info.device || info.description].filter(Boolean).join(' ');
  return `${info.software ? 'software ' : ''}GPU: ${name || 'unnamed adapter'}`;
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
