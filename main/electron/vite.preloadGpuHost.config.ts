/** The GPU host window's preload bundle, build/main/electron/preloadGpuHost.cjs (see vite.preload.config.ts). */
import { defineConfig } from 'vite';
import { preloadBuildConfig } from './vite.preload.config.js';

export default defineConfig(preloadBuildConfig('preloadGpuHost'));
