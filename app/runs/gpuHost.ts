/**
 * The GPU host's side (gpuHostProtocol.ts): a page that trains the run manager's runs on Chromium's own
 * WebGPU with the same engine a worker thread uses — the Trainer, reported by trainingReport.ts. No Node
 * import: the host page (main/gpuHost/host.ts) bundles this module.
 *
 * Runs share the page's one device and take turns between steps, as worker threads take turns on a GPU.
 * Stopping is always cooperative: a page is never torn down with a read pending; the device is ended only
 * when the main side asks (`release`, when the app quits) and every run has ended.
 */
// tfjs-core's browser build registers no gradients by itself (Node's gets them from @tensorflow/tfjs, backend.ts)
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { loadWebGpuOn, findAdapter, releaseWebGpu, describeAdapter, type WebGpuAdapterInfo } from '../engine/webgpuDevice.js';
import { Trainer } from '../training/trainer.js';
import { checkpointBuffers, type HostRunReport, type HostToMain, type MainToHost } from './gpuHostProtocol.js';
import type { ManagerToWorker } from './protocol.js';
import { TrainingReport } from './trainingReport.js';

/** The page's end of the port: a browser MessagePort (what the preload hands over). */
export interface HostPort {
  postMessage(message: HostToMain, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start(): void;
}

const NO_ADAPTER = "Chromium's WebGPU offers no adapter here (WebGPU off, or no GPU it allows)";

/** tfjs-webgpu on the page's WebGPU, any adapter (a run refuses a software one unless it was forced). */
export function loadPageWebGpu(gpu: GPU | undefined): Promise<WebGpuAdapterInfo> {
  return gpu ? loadWebGpuOn(gpu, NO_ADAPTER, true) : Promise.reject(new Error(NO_ADAPTER));
}

export function serveGpuRuns(port: HostPort, gpu: GPU | undefined): void {
  const runs = new Map<number, TrainingReport<HostRunReport>>();
  /** Control messages for runs still loading the engine (a stop may come before the first step). */
  const early = new Map<number, ManagerToWorker[]>();
  const ended = new Set<Promise<void>>();
  /** Loaded once, on the first run: tfjs-webgpu on the page's device. */
  let engine: Promise<WebGpuAdapterInfo> | undefined;
  let releasing = false;

  const post = (message: HostToMain, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  const report = (runId: number, message: HostRunReport) =>
    post({ type: 'report', runId, report: message }, message.type === 'checkpoint' ? checkpointBuffers(message.checkpoint) : []);

  const loadEngine = (allowSoftware: boolean) => {
    const loading = (engine ??= loadPageWebGpu(gpu));
    return loading.then((adapter) => {
      // loaded for a forced run, the device stays; a run that did not ask for a software adapter still refuses it
      if (adapter.software && !allowSoftware) throw new Error(`only a software WebGPU adapter is here (${describeAdapter(adapter)}), slower than wasm; FSAM_BACKEND=webgpu uses it anyway`);
      return adapter;
    });
  };

  const train = async (start: Extract<MainToHost, { type: 'start' }>) => {
    const { runId } = start;
    try {
      if (releasing) throw new Error('the GPU host is shutting down');
      const adapter = await loadEngine(start.allowSoftware);
      const trainer = new Trainer(start.config, start.dataset);
      const training = new TrainingReport<HostRunReport>({
        trainer,
        backend: { name: 'webgpu', device: describeAdapter(adapter) },
        classNames: start.dataset.classNames,
        post: (message) => report(runId, message),
        checkpointReport: (checkpoint) => ({ type: 'checkpoint', checkpoint }),
      });
      runs.set(runId, training);
      for (const control of early.get(runId) ?? []) training.control(control);
      early.delete(runId);
      try {
        await training.run(start.resumeFrom ?? undefined);
      } finally {
        runs.delete(runId);
        trainer.dispose();
      }
    } catch (error) {
      early.delete(runId);
      report(runId, { type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };

  port.addEventListener('message', ({ data }) => {
    const message = data as MainToHost;
    switch (message.type) {
      case 'probe':
        if (!gpu) {
          post({ type: 'adapter', adapter: null, error: NO_ADAPTER });
          break;
        }
        findAdapter(gpu, NO_ADAPTER).then(
          ({ info }) => post({ type: 'adapter', adapter: info, error: null }),
          (error: unknown) => post({ type: 'adapter', adapter: null, error: error instanceof Error ? error.message : String(error) }),
        );
        break;
      case 'start': {
        early.set(message.runId, []);
        const run = train(message);
        ended.add(run);
        void run.finally(() => ended.delete(run));
        break;
      }
      case 'control':
        if (runs.has(message.runId)) runs.get(message.runId)!.control(message.message);
        else early.get(message.runId)?.push(message.message);
        break;
      case 'release':
        releasing = true;
        void Promise.allSettled([...ended]).then(async () => {
          if (engine) await releaseWebGpu();
          post({ type: 'released' });
        });
        break;
    }
  });
  port.start();
}
