/**
 * The GPU host window's preload: hands the page the main process's one MessagePort, and nothing else —
 * no API in the page's world, no other channel (Electron's documented pattern for a context-isolated page).
 * Bundled by vite.preloadGpuHost.config.ts into build/main/electron/preloadGpuHost.cjs.
 */
import { ipcRenderer } from 'electron';
import { GPU_HOST_PORT_CHANNEL, GPU_HOST_PORT_MESSAGE } from './channels.js';

/** The little of the window this needs (the project compiles without the DOM's typings). */
const page = globalThis as unknown as { postMessage(message: string, targetOrigin: string, transfer: unknown[]): void };

// once: a second port (sent by nothing we ship) is never forwarded
ipcRenderer.once(GPU_HOST_PORT_CHANNEL, (event) => page.postMessage(GPU_HOST_PORT_MESSAGE, '*', [...event.ports]));
