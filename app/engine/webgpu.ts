/**
 * The webgpu backend in plain Node: Dawn's addon (the `webgpu` package, prebuilt for Linux, macOS and
 * Windows) gives `navigator.gpu`, and tfjs-webgpu runs on the device it hands out (webgpuDevice.ts, shared
 * with the desktop app's Chromium route). Dawn cannot run inside Electron (its external ArrayBuffers are
 * forbidden by Electron's V8 memory cage), so this is the CLI's, the web shell's and the tests' route.
 *
 * On Node 22 `globalThis.navigator` is a getter: `gpu` is defined on it, never assigned over it.
 */
import { createRequire } from 'node:module';
import { loadWebGpuOn, type WebGpuAdapterInfo } from './webgpuDevice.js';

export { describeAdapter, isSoftwareAdapter, releaseWebGpu, type WebGpuAdapterInfo } from './webgpuDevice.js';

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
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
  // tfjs-webgpu is imported (inside loadWebGpuOn) only after navigator.gpu exists
  return loadWebGpuOn(dawnGpu(), 'Dawn found no WebGPU adapter (no Vulkan, Metal or D3D12 driver)', allowSoftware, storageBufferCap);
}

/**
 * FSAM_WEBGPU_STORAGE_BUFFERS=N asks the device for at most N storage buffers per shader stage: how the
 * tests (and a curious user) reproduce a GPU that offers only WebGPU's default of 8 on an adapter with more.
 */
function capFromEnvironment(): number {
  const value = Number(process.env.FSAM_WEBGPU_STORAGE_BUFFERS);
  return Number.isInteger(value) && value >= 4 ? value : Number.POSITIVE_INFINITY;
}
