/**
 * Builds the renderer into build/renderer/. `base: './'` makes every asset URL relative, so the same files
 * load from file:// inside Electron and over HTTP from the web shell.
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: '../build/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // one script file and no inline code: the strict Content-Security-Policy allows only 'self' scripts
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // the renderer imports shared constants from ../app/api/types.ts
    fs: { allow: ['..'] },
  },
});
