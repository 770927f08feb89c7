/**
 * The GPU host window: a hidden, locked-down BrowserWindow showing build/gpuHost/index.html, which trains
 * runs on Chromium's own WebGPU (app/runs/gpuHost.ts) for the run manager in this process
 * (app/runs/gpuHostClient.ts). Locked down like the studio window (security.ts: context isolation, sandbox,
 * no Node, web security; its page's CSP allows its own script only) and more: it never navigates nor opens
 * a window, has no IPC handler (its webContents is not one the studio's handlers answer), and its preload
 * only forwards the one MessagePort the main process hands it once the page has loaded.
 *
 * Electron's constructors are passed in, so that a test can check what the window is made with.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import type { HostConnection } from '../../app/runs/gpuHostClient.js';
import { GPU_HOST_PORT_CHANNEL } from './channels.js';
import { GPU_HOST_INDEX_PATH, gpuHostWebPreferences } from './security.js';

/** What of Electron's MessagePortMain this uses. */
export interface HostPortMain {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/** What of a BrowserWindow and its webContents this uses (`Port`: the MessagePortMain it hands over). */
export interface HostWindowMain<Port> {
  webContents: {
    postMessage(channel: string, message: unknown, transfer: Port[]): void;
    once(event: 'did-finish-load', listener: () => void): unknown;
    on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }) => void): unknown;
    on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string }) => void): unknown;
    setWindowOpenHandler(handler: () => { action: 'deny' }): void;
  };
  on(event: 'closed', listener: () => void): unknown;
  loadFile(path: string): Promise<void>;
  isDestroyed(): boolean;
  destroy(): void;
}

export interface GpuHostElectron<Port> {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => HostWindowMain<Port>;
  MessageChannelMain: new () => { port1: HostPortMain; port2: Port };
}

export interface GpuHostWindow {
  connection: HostConnection;
  /** Resolves once the page has loaded and holds its port; rejects if it could not load. */
  ready: Promise<void>;
  /** Destroys the window (call after GpuHostClient.release(): the device is ended first). */
  close(): void;
}

/** What the hidden window is made with. */
export function gpuHostWindowOptions(): BrowserWindowConstructorOptions {
  return { show: false, width: 320, height: 240, skipTaskbar: true, focusable: false, title: 'F-SAM Studio GPU host', webPreferences: gpuHostWebPreferences() };
}

export function openGpuHostWindow<Port>(electron: GpuHostElectron<Port>, indexPath: string = GPU_HOST_INDEX_PATH): GpuHostWindow {
  const window = new electron.BrowserWindow(gpuHostWindowOptions());
  const contents = window.webContents;
  // the page is where it was loaded, and stays there; nothing it does opens a window
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));

  const { port1, port2 } = new electron.MessageChannelMain();
  const messageListeners: ((data: unknown) => void)[] = [];
  const closeListeners: ((reason: string) => void)[] = [];
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    for (const listener of closeListeners) listener(reason);
  };
  port1.on('message', (event) => {
    for (const listener of messageListeners) listener(event.data);
  });
  port1.on('close', () => end('its port closed'));
  contents.on('render-process-gone', (_event, details) => end(`its renderer is gone: ${details.reason}`));
  window.on('closed', () => end('its window closed'));

  const ready = new Promise<void>((resolve, reject) => {
    contents.once('did-finish-load', () => {
      // one port, to the page's own preload, once the page's script listens for it
      contents.postMessage(GPU_HOST_PORT_CHANNEL, null, [port2]);
      port1.start();
      resolve();
    });
    window.loadFile(indexPath).catch((error: unknown) => {
      end(`its page did not load: ${error instanceof Error ? error.message : String(error)}`);
      reject(error);
    });
  });
  ready.catch(() => {});

  return {
    connection: {
      // Electron copies buffers across processes (MessagePortMain transfers only ports)
      post: (message) => port1.postMessage(message),
      onMessage: (listener) => messageListeners.push(listener),
      onClose: (listener) => closeListeners.push(listener),
    },
    ready,
    close: () => {
      port1.close();
      if (!window.isDestroyed()) window.destroy();
    },
  };
}
