/**
 * Chooses the TF.js backend a process trains on, once, and says which one it got.
 *
 * Order: tfjs-node-gpu (CUDA) → webgpu (a hardware adapter through Dawn: Vulkan, Metal, D3D12) → tfjs-node
 * (CPU, native) → wasm (XNNPACK) → cpu (pure JS). A software WebGPU adapter (lavapipe, SwiftShader) is
 * slower than wasm and only used when FSAM_BACKEND=webgpu asks for it (app/engine/webgpu.ts).
 * The native packages are optional dependencies: on machines without internet their install fails and
 * npm skips them, so they are imported lazily and their absence is an ordinary fallback, not an error.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The core package registers no gradient functions in its Node build; the umbrella package does (and
// tfjs-node requires it anyway). The registries are global, so our tfjs-core sees them.
import '@tensorflow/tfjs';
import { registerStudioGradients } from './gradients.js';
import { describeAdapter, loadWebGpu, releaseWebGpu, type WebGpuAdapterInfo } from './webgpu.js';

// PROD silences TF.js's console advice ("install the node backend"): the studio reports its backend and
// the fallbacks it took itself (BackendInfo.skipped), in its own words.
tf.env().set('PROD', true);
// after the umbrella package's registrations, which these replace
registerStudioGradients();

export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendAttempt {
  candidate: string;
  error: string;
}

export interface BackendInfo {
  /** The TF.js backend name the engine runs on. */
  name: BackendName;
  /** The npm package that provides it. */
  packageName: string;
  /** Human-readable device, e.g. "CPU (wasm, SIMD)" or "GPU: NVIDIA GeForce RTX 3060". */
  device: string;
  /** Whether an explicit request (FSAM_BACKEND) chose it. */
  forced: boolean;
  /** Candidates tried before this one, and why each was not used. */
  skipped: BackendAttempt[];
  /** webgpu: the adapter it runs on (vendor, architecture, device, driver description). */
  adapter?: WebGpuAdapterInfo;
}

interface Candidate {
  label: string;
  name: BackendName;
  packageName: string;
  /** Loads and activates the backend; `forced` when FSAM_BACKEND named it. Returns the device in words. */
  load: (forced: boolean) => Promise<string | { device: string; adapter: WebGpuAdapterInfo }>;
}

const execFileAsync = promisify(execFile);

/** nvidia-smi is the only reliable place to read the GPU's name; tfjs-node does not expose it. */
export async function gpuName(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 3000 });
    const first = stdout.split('\n')[0]?.trim();
    return first || undefined;
  } catch {
    return undefined;
  }
}

async function loadNative(packageName: string): Promise<string> {
  await import(packageName);
  await activate('tensorflow');
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  if (backend.isUsingGpuDevice) return `GPU: ${(await gpuName()) ?? 'CUDA device'}`;
  return packageName.endsWith('-gpu') ? 'CPU (native TensorFlow; no CUDA device found)' : 'CPU (native TensorFlow)';
}

async function loadWasm(): Promise<string> {
  await import('@tensorflow/tfjs-backend-wasm');
  const { registerWasmGradientKernels } = await import('./wasmGradientKernels.js');
  registerWasmGradientKernels();
  await activate('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `CPU (wasm${simd ? ', SIMD' : ''}${threads ? ', threads' : ''})`;
}

/**
 * On Linux a GPU shows up as a device node (/dev/dri/renderD*, /dev/nvidia*); without one, Dawn could only
 * offer a software adapter, so the automatic choice does not even load it.
 */
function hasGpuDeviceNode(): boolean {
  if (process.platform !== 'linux') return true;
  const listed = (folder: string, prefix: string) => {
    try {
      return readdirSync(folder).some((name) => name.startsWith(prefix));
    } catch {
      return false;
    }
  };
  return listed('/dev/dri', 'renderD') || listed('/dev', 'nvidia');
}

async function loadWebGpuCandidate(forced: boolean): Promise<{ device: string; adapter: WebGpuAdapterInfo }> {
  if (!forced && !hasGpuDeviceNode()) throw new Error('no GPU device node (/dev/dri/renderD*, /dev/nvidia*); FSAM_BACKEND=webgpu tries a software adapter');
  const adapter = await loadWebGpu(forced);
  return { device: describeAdapter(adapter), adapter };
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js could not initialise the ${name} backend`);
  await tf.ready();
}

const CANDIDATES: Candidate[] = [
  { label: 'tensorflow (GPU)', name: 'tensorflow', packageName: '@tensorflow/tfjs-node-gpu', load: () => loadNative('@tensorflow/tfjs-node-gpu') },
  { label: 'webgpu', name: 'webgpu', packageName: '@tensorflow/tfjs-backend-webgpu', load: loadWebGpuCandidate },
  { label: 'tensorflow (CPU)', name: 'tensorflow', packageName: '@tensorflow/tfjs-node', load: () => loadNative('@tensorflow/tfjs-node') },
  { label: 'wasm', name: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm', load: loadWasm },
  {
    label: 'cpu',
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    load: async () => {
      await activate('cpu');
      return 'CPU (pure JavaScript)';
    },
  },
];

export function parseBackendName(value: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`FSAM_BACKEND="${value}" is not a backend; use one of ${BACKEND_NAMES.join(', ')} (or leave it unset for the best available)`);
}

let chosen: Promise<BackendInfo> | undefined;

/**
 * Initialises the best backend (or the one FSAM_BACKEND / `requested` names) and returns what it is.
 * Called once per process or worker thread; later calls return the same answer.
 */
export function initBackend(requested: string | undefined = process.env.FSAM_BACKEND): Promise<BackendInfo> {
  chosen ??= chooseBackend(requested && requested.trim() !== '' ? parseBackendName(requested.trim()) : undefined);
  return chosen;
}

/**
 * Loads and activates one backend by name (for tests and tools that compare backends in one process).
 * Most code should call initBackend instead.
 */
export function loadBackend(name: BackendName): Promise<BackendInfo> {
  return firstThatLoads(CANDIDATES.filter((c) => c.name === name), true);
}

async function chooseBackend(forcedName: BackendName | undefined): Promise<BackendInfo> {
  return forcedName ? loadBackend(forcedName) : firstThatLoads(CANDIDATES, false);
}

async function firstThatLoads(candidates: Candidate[], forced: boolean): Promise<BackendInfo> {
  const skipped: BackendAttempt[] = [];
  for (const candidate of candidates) {
    try {
      const loaded = await candidate.load(forced);
      const { device, adapter } = typeof loaded === 'string' ? { device: loaded, adapter: undefined } : loaded;
      return { name: candidate.name, packageName: candidate.packageName, device, forced, skipped, ...(adapter ? { adapter } : {}) };
    } catch (error) {
      skipped.push({ candidate: candidate.label, error: firstLine(error) });
    }
  }
  const tried = skipped.map((s) => `${s.candidate}: ${s.error}`).join('; ');
  throw new Error(
    forced
      ? `The ${candidates[0]?.name} backend was requested (FSAM_BACKEND) but could not be loaded (${tried}). Unset FSAM_BACKEND to fall back automatically.`
      : `No TF.js backend could be loaded (${tried}).`,
  );
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

/**
 * Ends what the chosen backend holds, before a thread that trained or measured on it exits: a webgpu device
 * is destroyed once its pending reads have settled (terminating a thread with one pending aborts the whole
 * process, app/engine/webgpu.ts); the CPU backends hold nothing that outlives the thread.
 */
export async function releaseBackend(backend: BackendInfo): Promise<void> {
  if (backend.name === 'webgpu') await releaseWebGpu();
}
