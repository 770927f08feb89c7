import type { DesktopExtras, StudioApi } from './lib/contract.js';

declare global {
  interface Window {
    /** Defined by the Electron preload; absent in a browser, where the renderer uses the WebSocket client. */
    studio?: StudioApi & Partial<DesktopExtras>;
    /** Frame-to-frame intervals in milliseconds, recorded only with ?perf=1 in the URL (lib/perf.ts). */
    __fsamPerf?: { frameTimes: number[] };
  }
}

export {};
