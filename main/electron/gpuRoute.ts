/**
 * Where the desktop app's runs train. Dawn's Node addon cannot run inside Electron (its external
 * ArrayBuffers are forbidden by Electron's V8 memory cage), so the desktop app's GPU route is Chromium's own
 * WebGPU in the hidden GPU host window (gpuHostWindow.ts). The order is the engine's
 * (app/engine/backend.ts): TensorFlow on CUDA → WebGPU on a hardware adapter → the rest (tfjs-node, wasm,
 * cpu, chosen by each worker thread). A software adapter (SwiftShader) only when FSAM_BACKEND=webgpu asks.
 */
import { createRequire } from 'node:module';
import { describeAdapter, type WebGpuAdapterInfo } from '../../app/engine/webgpuDevice.js';
import { gpuName } from '../../app/engine/backend.js';

export type DesktopRoute = { kind: 'gpuHost'; allowSoftware: boolean; why: string } | { kind: 'workers'; why: string };

export interface RouteInput {
  /** FSAM_BACKEND, as the user set it. */
  requested: string | undefined;
  /** What the GPU host's WebGPU offers (its probe), or why nothing. */
  adapter: WebGpuAdapterInfo | null;
  adapterError: string | null;
  /** tfjs-node-gpu is installed and a CUDA GPU answers. */
  cuda: boolean;
}

export function chooseDesktopRoute({ requested, adapter, adapterError, cuda }: RouteInput): DesktopRoute {
  const forced = requested?.trim() || undefined;
  if (forced === 'webgpu') return { kind: 'gpuHost', allowSoftware: true, why: `FSAM_BACKEND=webgpu: Chromium's WebGPU (${adapter ? describeAdapter(adapter) : adapterError})` };
  if (forced !== undefined) return { kind: 'workers', why: `FSAM_BACKEND=${forced}` };
  if (cuda) return { kind: 'workers', why: 'TensorFlow on CUDA comes first' };
  if (adapter && !adapter.software) return { kind: 'gpuHost', allowSoftware: false, why: `Chromium's WebGPU on ${describeAdapter(adapter)}` };
  return { kind: 'workers', why: adapter ? `only a ${describeAdapter(adapter)} (slower than wasm; FSAM_BACKEND=webgpu uses it)` : `no WebGPU adapter (${adapterError})` };
}

/** Whether the worker threads would train on TensorFlow's CUDA build: the package is installed and nvidia-smi names a GPU. */
export async function cudaTensorflowAvailable(): Promise<boolean> {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
  } catch {
    return false;
  }
  return (await gpuName()) !== undefined;
}
