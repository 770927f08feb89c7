/**
 * Builds the GPU host page into build/gpuHost/ (one script file, no inline code: its Content-Security-Policy
 * allows only 'self' scripts). `base: './'` keeps every URL relative, for file:// in Electron.
 *
 *   vite build --config main/gpuHost/vite.config.ts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { GPU_HOST_CONTENT_SECURITY_POLICY } from '../electron/security.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** A page built as the host is (its index.html in `root`): the host itself, and the tests' golden page. */
export function gpuHostPageConfig(root: string, outDir: string): UserConfig {
  return {
    root,
    base: './',
    publicDir: false,
    envDir: false,
    logLevel: 'warn',
    plugins: [
      {
        name: 'gpu-host-csp',
        transformIndexHtml: (html) => html.replace('%GPU_HOST_CSP%', GPU_HOST_CONTENT_SECURITY_POLICY),
      },
    ],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      // TF.js and its WebGPU backend, in files the page loads once
      chunkSizeWarningLimit: 4096,
    },
  };
}

export default defineConfig(gpuHostPageConfig(here('.'), here('../../build/gpuHost')));
