/**
 * The window's preload: exposes StudioApi as `window.studio` and nothing else. It runs sandboxed, where only
 * `require('electron')` and a few built-ins exist, so Vite bundles it (with preloadBridge.ts and the IPC
 * contract) into one CommonJS file, build/main/electron/preload.cjs (vite.preload.config.ts).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createStudioBridge } from './preloadBridge.js';

contextBridge.exposeInMainWorld('studio', createStudioBridge(ipcRenderer));
