/**
 * Bundles the preload (preload.ts + preloadBridge.ts + the IPC contract) into one CommonJS file,
 * build/main/electron/preload.cjs: a sandboxed preload can neither load ES modules nor require its
 * neighbours. `electron` stays a require(); everything else is inlined.
 *
 *   vite build --config main/electron/vite.preload.config.ts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
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
      entry: here('./preload.ts'),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
