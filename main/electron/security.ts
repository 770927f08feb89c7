/**
 * How the studio's window is locked down: its webPreferences, the Content-Security-Policy put on every
 * response the renderer receives, which navigations and links are allowed, and where the renderer and the
 * preload live. Plain values and functions with no Electron import at run time, so tests can read exactly
 * what the window uses (main.ts builds the window from these and nothing else).
 */
import type { WebPreferences } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The renderer build, next to this file's build folder: build/main/electron → build/renderer/index.html. */
export const RENDERER_INDEX_PATH = fileURLToPath(new URL('../../renderer/index.html', import.meta.url));
export const RENDERER_INDEX_URL = pathToFileURL(RENDERER_INDEX_PATH).href;
/** The preload, bundled by Vite into one CommonJS file (vite.preload.config.ts) beside main.js. */
export const PRELOAD_BUNDLE_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));

/**
 * The renderer's Content-Security-Policy: nothing unless allowed; scripts only from the renderer's own files
 * (no inline script, no eval); inline styles are allowed because Svelte sets style attributes. The renderer
 * reaches the engine through the preload's IPC, never the network.
 */
export const DESKTOP_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The GPU host page's policy (its <meta>, written in by main/gpuHost/vite.config.ts; the session's header,
 * DESKTOP_CONTENT_SECURITY_POLICY, applies on top): its own script and nothing else — no network, no
 * frames, no workers, no inline code, no eval.
 */
export const GPU_HOST_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The GPU host page, built by Vite next to the renderer: build/gpuHost/index.html. */
export const GPU_HOST_INDEX_PATH = fileURLToPath(new URL('../../gpuHost/index.html', import.meta.url));
export const GPU_HOST_INDEX_URL = pathToFileURL(GPU_HOST_INDEX_PATH).href;
/** The GPU host's preload (forwards the main process's port, nothing more), bundled beside preload.cjs. */
export const GPU_HOST_PRELOAD_PATH = fileURLToPath(new URL('./preloadGpuHost.cjs', import.meta.url));

/** The window's webPreferences: the renderer is an untrusted web page that can only call the preload's StudioApi. */
export function studioWebPreferences(preloadPath: string = PRELOAD_BUNDLE_PATH): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/**
 * The GPU host window's webPreferences: the studio window's lockdown, its own preload, and no background
 * throttling — the window is never shown, and Chromium would otherwise slow a hidden page's tasks down.
 */
export function gpuHostWebPreferences(preloadPath: string = GPU_HOST_PRELOAD_PATH): WebPreferences {
  return { ...studioWebPreferences(preloadPath), backgroundThrottling: false };
}

/** `headers` with our CSP in place of any the response carried (header names are case-insensitive), and nosniff. */
export function withSecurityHeaders(headers: Record<string, string | string[]> | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only' || lower === 'x-content-type-options') continue;
    result[name] = Array.isArray(value) ? value : [value];
  }
  result['Content-Security-Policy'] = [DESKTOP_CONTENT_SECURITY_POLICY];
  result['X-Content-Type-Options'] = ['nosniff'];
  return result;
}

/** The document a URL shows, without query and fragment; undefined for a malformed URL. */
export function documentOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return undefined;
  }
}

/** Whether `url` is our renderer's document (any hash route of it): the only place the window may be. */
export function isRendererDocument(url: string, rendererUrl: string = RENDERER_INDEX_URL): boolean {
  const document = documentOf(url);
  return document !== undefined && document === documentOf(rendererUrl);
}

/** Links the renderer may hand to the system browser (never inside the app): https only. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
