/**
 * The desktop app's GPU host page (build/gpuHost/index.html): a hidden, locked-down window
 * (main/electron/gpuHostWindow.ts) that trains the run manager's runs on Chromium's own WebGPU
 * (app/runs/gpuHost.ts). It takes one MessagePort, the first its own window is handed with the agreed token
 * — in Electron the preload forwards the main process's port so (preloadGpuHost.ts) — and nothing else.
 */
import { serveGpuRuns, type HostPort } from '../../app/runs/gpuHost.js';
import { GPU_HOST_PORT_MESSAGE } from '../electron/channels.js';

/** The little of the page's window this needs (the project compiles without the DOM's typings). */
interface HostWindow {
  addEventListener(type: 'message', listener: (event: { data: unknown; source: unknown; ports: readonly HostPort[] }) => void): void;
  navigator: { gpu?: GPU };
}

const page = globalThis as unknown as HostWindow;
let served = false;
page.addEventListener('message', (event) => {
  // the window's own postMessage (the preload's), once; a second port, or one from a frame, is ignored
  if (served || event.source !== page || event.data !== GPU_HOST_PORT_MESSAGE || event.ports.length !== 1) return;
  served = true;
  serveGpuRuns(event.ports[0]!, page.navigator.gpu);
});
