/**
 * Bundles a preload into one CommonJS file beside main.js: a sandboxed preload can neither load ES modules
 * nor require its neighbours, so `electron` stays a require() and everything else is inlined. One file per
 * build (two entries of one build would share a chunk, which a sandboxed preload could not load):
 *
 *   vite build --config main/electron/vite.preload.config.ts          preload.ts (+ preloadBridge.ts and the IPC contract) → preload.cjs
 *   vite build --config main/electron/vite.preloadGpuHost.config.ts   preloadGpuHost.ts → preloadGpuHost.cjs (the GPU host window's)
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export function preloadBuildConfig(name: 'preload' | 'preloadGpuHost'): UserConfig {
  return {
    // no index.html, public folder or .env files take part
    root: here('.'),
    publicDir: false,
    envDir: false,
    logLevel: 'warn',
    build: {
      outDir: here('../../build/main/electron'),
      // the folder also holds tsc's output (main.js, …): never empty it
      emptyOutDir: false,
      target: 'es2022',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      lib: {
        entry: here(`./${name}.ts`),
        formats: ['cjs'],
        fileName: () => `${name}.cjs`,
      },
      rolldownOptions: {
        external: ['electron'],
      },
    },
  };
}

export default defineConfig(preloadBuildConfig('preload'));
