/**
 * The desktop app's hidden GPU host window, checked with fakes of Electron's BrowserWindow and
 * MessageChannelMain (the Electron binary cannot run here): what it is made with, that it never navigates
 * nor opens a window, that the one thing that reaches it is the main process's port (once, after it has
 * loaded), and that its preload forwards that port and exposes nothing; the page's policy; the route choice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';
import type { WebGpuAdapterInfo } from '../../app/engine/webgpuDevice.js';
import { GPU_HOST_PORT_CHANNEL } from '../../main/electron/channels.js';
import { gpuHostWindowOptions, openGpuHostWindow, type HostPortMain, type HostWindowMain } from '../../main/electron/gpuHostWindow.js';
import { chooseDesktopRoute } from '../../main/electron/gpuRoute.js';
import { GPU_HOST_CONTENT_SECURITY_POLICY, GPU_HOST_INDEX_PATH, GPU_HOST_PRELOAD_PATH, RENDERER_INDEX_PATH, studioWebPreferences } from '../../main/electron/security.js';

const electronFolder = dirname(fileURLToPath(import.meta.resolve('../../main/electron/security.js')));

type Listener = (...args: never[]) => unknown;

class FakePort implements HostPortMain {
  readonly posted: unknown[] = [];
  readonly listeners = new Map<string, Listener[]>();
  started = false;
  closed = false;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...values: unknown[]) => unknown)(...args);
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    this.closed = true;
  }
}

class FakeChannel {
  static made: FakeChannel[] = [];
  readonly port1 = new FakePort();
  readonly port2 = new FakePort();
  constructor() {
    FakeChannel.made.push(this);
  }
}

class FakeWindow implements HostWindowMain<FakePort> {
  static made: FakeWindow[] = [];
  readonly loaded: string[] = [];
  readonly sent: { channel: string; message: unknown; transfer: FakePort[] }[] = [];
  readonly contentsListeners = new Map<string, Listener[]>();
  readonly windowListeners = new Map<string, Listener[]>();
  openHandler: (() => { action: 'deny' }) | undefined;
  destroyed = false;
  readonly webContents = {
    postMessage: (channel: string, message: unknown, transfer: FakePort[]) => void this.sent.push({ channel, message, transfer }),
    once: (event: string, listener: Listener) => this.add(this.contentsListeners, event, listener),
    on: (event: string, listener: Listener) => this.add(this.contentsListeners, event, listener),
    setWindowOpenHandler: (handler: () => { action: 'deny' }) => void (this.openHandler = handler),
  };
  constructor(readonly options: BrowserWindowConstructorOptions) {
    FakeWindow.made.push(this);
  }
  private add(map: Map<string, Listener[]>, event: string, listener: Listener): this {
    map.set(event, [...(map.get(event) ?? []), listener]);
    return this;
  }
  emitContents(event: string, ...args: unknown[]): void {
    for (const listener of this.contentsListeners.get(event) ?? []) (listener as (...values: unknown[]) => unknown)(...args);
  }
  on(event: string, listener: Listener): this {
    return this.add(this.windowListeners, event, listener);
  }
  async loadFile(path: string): Promise<void> {
    this.loaded.push(path);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

test('the GPU host window is hidden and locked down like the studio window, with its own preload and no throttling', () => {
  const options = gpuHostWindowOptions();
  assert.equal(options.show, false);
  const preferences = options.webPreferences!;
  const { preload: studioPreload, ...studioLockdown } = studioWebPreferences();
  assert.ok(studioPreload);
  for (const [name, value] of Object.entries(studioLockdown)) assert.equal(preferences[name as keyof typeof preferences], value, `${name} as the studio window's`);
  assert.equal(preferences.contextIsolation, true);
  assert.equal(preferences.sandbox, true);
  assert.equal(preferences.nodeIntegration, false);
  assert.equal(preferences.webSecurity, true);
  assert.equal(preferences.backgroundThrottling, false, 'a hidden page would otherwise train slower');
  assert.equal(preferences.preload, GPU_HOST_PRELOAD_PATH);
  assert.equal(GPU_HOST_PRELOAD_PATH, join(electronFolder, 'preloadGpuHost.cjs'));
  assert.equal(GPU_HOST_INDEX_PATH, join(dirname(dirname(RENDERER_INDEX_PATH)), 'gpuHost', 'index.html'), 'build/gpuHost/index.html, beside the renderer build');
});

test('it never navigates nor opens a window, and gets one port from the main process, once it has loaded', async () => {
  const host = openGpuHostWindow({ BrowserWindow: FakeWindow, MessageChannelMain: FakeChannel });
  const window = FakeWindow.made.at(-1)!;
  const channel = FakeChannel.made.at(-1)!;
  assert.deepEqual(window.loaded, [GPU_HOST_INDEX_PATH]);
  for (const event of ['will-navigate', 'will-redirect']) {
    let prevented = 0;
    for (const listener of window.contentsListeners.get(event) ?? []) (listener as (event: { preventDefault(): void }) => void)({ preventDefault: () => prevented++ });
    assert.equal(prevented, 1, `${event} is refused`);
  }
  assert.deepEqual(window.openHandler?.(), { action: 'deny' });

  assert.equal(window.sent.length, 0, 'nothing before the page has loaded (its script would miss it)');
  window.emitContents('did-finish-load');
  await host.ready;
  assert.equal(window.sent.length, 1, 'one message, ever');
  assert.equal(window.sent[0]!.channel, GPU_HOST_PORT_CHANNEL);
  assert.equal(window.sent[0]!.message, null);
  assert.deepEqual(window.sent[0]!.transfer, [channel.port2], "the channel's other end, and nothing else");
  assert.equal(channel.port1.started, true);

  const received: unknown[] = [];
  const ended: string[] = [];
  host.connection.onMessage((data) => received.push(data));
  host.connection.onClose((reason) => ended.push(reason));
  host.connection.post({ type: 'probe' }, []);
  assert.deepEqual(channel.port1.posted, [{ type: 'probe' }], 'messages go over the port, not IPC');
  channel.port1.emit('message', { data: { type: 'released' } });
  assert.deepEqual(received, [{ type: 'released' }]);
  window.emitContents('render-process-gone', {}, { reason: 'crashed' });
  channel.port1.emit('close');
  assert.deepEqual(ended, ['its renderer is gone: crashed'], 'the runs it held learn once that it is gone');
  host.close();
  assert.equal(window.destroyed, true);
  assert.equal(channel.port1.closed, true);
});

test("its preload forwards the port once and exposes nothing; the window module answers no IPC", () => {
  const preload = readFileSync(join(electronFolder, 'preloadGpuHost.js'), 'utf8');
  assert.match(preload, /ipcRenderer\.once\(GPU_HOST_PORT_CHANNEL,/);
  assert.match(preload, /postMessage\(GPU_HOST_PORT_MESSAGE, '\*', \[\.\.\.event\.ports\]\)/);
  assert.doesNotMatch(preload, /contextBridge|exposeInMainWorld|ipcRenderer\.(send|invoke|on)\b/, 'no API in the page, no other channel');
  if (existsSync(GPU_HOST_PRELOAD_PATH)) {
    const bundle = readFileSync(GPU_HOST_PRELOAD_PATH, 'utf8');
    assert.deepEqual([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]), ['electron'], 'a sandboxed preload requires electron only');
  }
  const windowModule = readFileSync(join(electronFolder, 'gpuHostWindow.js'), 'utf8');
  assert.doesNotMatch(windowModule, /ipcMain/);
  const main = readFileSync(join(electronFolder, 'main.js'), 'utf8');
  assert.match(main, /openGpuHostWindow\(\{ BrowserWindow, MessageChannelMain \}\)/);
  // the studio's IPC handlers answer the studio windows' webContents only; the host's is never added
  assert.equal(main.match(/studioContents\.add\(/g)?.length, 1);
});

test("the GPU host page's policy: its own script only, no network, no eval", () => {
  const directives = new Map(GPU_HOST_CONTENT_SECURITY_POLICY.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...sources]) => [name!, sources]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'none'"]);
  assert.deepEqual(directives.get('worker-src'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  if (existsSync(GPU_HOST_INDEX_PATH)) {
    const page = readFileSync(GPU_HOST_INDEX_PATH, 'utf8');
    assert.ok(page.includes(`content="${GPU_HOST_CONTENT_SECURITY_POLICY}"`), 'the built page carries it');
    assert.doesNotMatch(page.replace(/<script[^>]*src=[^>]*><\/script>/g, ''), /<script/, 'no inline script');
  }
});

test("the desktop's route: CUDA TensorFlow, then Chromium's WebGPU on hardware, then the workers; software only when forced", () => {
  const hardware: WebGpuAdapterInfo = { vendor: 'amd', architecture: 'rdna-3', device: '', description: '', software: false, maxStorageBuffersPerShaderStage: 10 };
  const software: WebGpuAdapterInfo = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', software: true, maxStorageBuffersPerShaderStage: 10 };
  const none = { adapter: null, adapterError: 'no adapter' };
  assert.equal(chooseDesktopRoute({ requested: undefined, adapter: hardware, adapterError: null, cuda: false }).kind, 'gpuHost');
  assert.equal(chooseDesktopRoute({ requested: undefined, adapter: hardware, adapterError: null, cuda: true }).kind, 'workers');
  assert.equal(chooseDesktopRoute({ requested: undefined, adapter: software, adapterError: null, cuda: false }).kind, 'workers');
  assert.equal(chooseDesktopRoute({ requested: undefined, ...none, cuda: false }).kind, 'workers');
  assert.deepEqual(chooseDesktopRoute({ requested: 'webgpu', adapter: software, adapterError: null, cuda: true }).kind, 'gpuHost');
  const forced = chooseDesktopRoute({ requested: ' webgpu ', adapter: software, adapterError: null, cuda: false });
  assert.ok(forced.kind === 'gpuHost' && forced.allowSoftware);
  const auto = chooseDesktopRoute({ requested: '', adapter: hardware, adapterError: null, cuda: false });
  assert.ok(auto.kind === 'gpuHost' && !auto.allowSoftware);
  assert.equal(chooseDesktopRoute({ requested: 'wasm', adapter: hardware, adapterError: null, cuda: false }).kind, 'workers');
});
