/**
 * The desktop app's GPU host page in Debian's Chromium (its WebGPU on SwiftShader), as the hidden Electron
 * window would load it: a page built like build/gpuHost (main/gpuHost/vite.config.ts), served from
 * 127.0.0.1 (WebGPU wants a secure context), and — for the host itself — its one MessagePort handed over
 * the way the Electron preload does it (window.postMessage with the agreed token), here bridged to the test
 * process through playwright. The page's code does not know the difference.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GPU_HOST_PORT_MESSAGE } from '../../main/electron/channels.js';
import type { HostConnection } from '../../app/runs/gpuHostClient.js';
import { CHROMIUM_PATH } from './browser.js';

/** What the repository's browser tests launch Chromium with, plus WebGPU (off by default on Linux). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-unsafe-webgpu'];

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Serves `folder` read-only on 127.0.0.1. */
export async function serveFolder(folder: string): Promise<{ url: string; close(): Promise<void> }> {
  const root = normalize(folder + sep);
  const server: Server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Chromium with WebGPU, or why there is none here (the caller skips its tests with that reason). */
export async function launchWebGpuChromium(): Promise<{ browser: Browser } | { unavailable: string }> {
  if (!existsSync(CHROMIUM_PATH)) return { unavailable: `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set FSAM_CHROMIUM)` };
  try {
    return { browser: await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }) };
  } catch (error) {
    return { unavailable: `Chromium could not be started from ${CHROMIUM_PATH}: ${(error as Error).message.split('\n')[0]}` };
  }
}

/**
 * Structured values through JSON: typed arrays and ArrayBuffers as base64, NaN and ±Infinity by name. One
 * self-contained function, so that its source can run in the page too.
 */
function bridgeCodec() {
  const TYPED = { Float32Array, Uint8Array, Int32Array, Float64Array } as const;
  type TypedName = keyof typeof TYPED;
  const toBase64 = (bytes: Uint8Array) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const encode = (value: unknown): unknown => {
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    if (value instanceof ArrayBuffer) return { $buffer: toBase64(new Uint8Array(value)) };
    for (const name of Object.keys(TYPED) as TypedName[]) {
      if (value instanceof TYPED[name]) {
        const view = value as ArrayBufferView;
        return { $typed: name, data: toBase64(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)) };
      }
    }
    if (Array.isArray(value)) return value.map(encode);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encode(item)]));
    return value;
  };
  const decode = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(decode);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    if (typeof record.$number === 'string') return Number(record.$number);
    if (typeof record.$buffer === 'string') return fromBase64(record.$buffer).buffer;
    if (typeof record.$typed === 'string') {
      const bytes = fromBase64(record.data as string);
      return new TYPED[record.$typed as TypedName](bytes.buffer, 0, bytes.byteLength / TYPED[record.$typed as TypedName].BYTES_PER_ELEMENT);
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, decode(item)]));
  };
  return { encode, decode };
}

const codec = bridgeCodec();

/** Runs in the page: a channel whose one end goes to the page as the preload's would, the other relayed to the test. */
function relayPort({ encode, decode }: ReturnType<typeof bridgeCodec>, token: string): void {
  const channel = new MessageChannel();
  const scope = window as unknown as { fsamBridgeToTest(encoded: string): Promise<void>; fsamBridgeFromTest(encoded: string): void };
  channel.port1.onmessage = (event) => void scope.fsamBridgeToTest(JSON.stringify(encode(event.data)));
  scope.fsamBridgeFromTest = (encoded) => channel.port1.postMessage(decode(JSON.parse(encoded)));
  // after the page's own script has run (module scripts run before DOMContentLoaded), as Electron's preload
  // forwards the port once the page has loaded
  window.addEventListener('DOMContentLoaded', () => window.postMessage(token, '*', [channel.port2]));
}

/**
 * Opens the GPU host page at `url` with its port bridged to this process; returns the main side's
 * connection (for GpuHostClient). What the Electron preload does with ipcRenderer's port, the init script
 * does with a channel of its own, whose other end it relays to the test.
 */
export async function openHostPage(browser: Browser, url: string): Promise<{ page: Page; connection: HostConnection; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const listeners: ((data: unknown) => void)[] = [];
  const closers: ((reason: string) => void)[] = [];
  await page.exposeFunction('fsamBridgeToTest', (encoded: string) => {
    const data = codec.decode(JSON.parse(encoded));
    for (const listener of listeners) listener(data);
  });
  // one script text (the page's CSP forbids eval, and the init script runs under it): the codec, then the relay
  await page.addInitScript({ content: `(${relayPort.toString()})((${bridgeCodec.toString()})(), ${JSON.stringify(GPU_HOST_PORT_MESSAGE)});` });
  page.on('close', () => closers.forEach((close) => close('the page closed')));
  page.on('crash', () => closers.forEach((close) => close('the page crashed')));
  await page.goto(url);
  // in order: each message is sent once the one before it reached the page
  let sending = Promise.resolve();
  const connection: HostConnection = {
    post: (message) => {
      const encoded = JSON.stringify(codec.encode(message));
      sending = sending.then(() => page.evaluate((text) => (window as unknown as { fsamBridgeFromTest(text: string): void }).fsamBridgeFromTest(text), encoded)).catch((error: unknown) => {
        errors.push(`bridge: ${(error as Error).message}`);
      });
    },
    onMessage: (listener) => listeners.push(listener),
    onClose: (listener) => closers.push(listener),
  };
  return { page, connection, errors };
}
