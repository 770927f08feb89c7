/**
 * The IPC contract between the preload (preloadBridge.ts) and the main process (ipc.ts). Constants and types
 * only: the preload bundle imports this file, so it must stay free of Node and of the service.
 *
 *   renderer → main  invoke 'studio:call'        (method, args)      → IpcReply with the call's value
 *   renderer → main  invoke 'studio:subscribe'   (id, method, args)  → IpcReply (null) once subscribed
 *   main → renderer  send   'studio:event'       (id, event)         one listener call of subscription `id`
 *   renderer → main  send   'studio:unsubscribe' (id)
 *   renderer → main  invoke 'studio:saveExport'  (fileId)           → IpcReply { savedTo } (desktop only)
 *
 * `id` is chosen by the preload, unique per page. Replies are envelopes rather than thrown errors because
 * Electron reduces an error thrown in a handler to a message prefixed with "Error invoking remote method".
 */
import type { WireError } from '../../app/api/wire.js';

export const IPC_CHANNELS = {
  call: 'studio:call',
  subscribe: 'studio:subscribe',
  unsubscribe: 'studio:unsubscribe',
  event: 'studio:event',
  saveExport: 'studio:saveExport',
} as const;

export type IpcReply = { ok: true; value: unknown } | { ok: false; error: WireError };

/**
 * The GPU host window (gpuHostWindow.ts): the main process sends its one MessagePort on GPU_HOST_PORT_CHANNEL;
 * the host's preload forwards it to the page with window.postMessage(GPU_HOST_PORT_MESSAGE, '*', [port]),
 * the token the page (main/gpuHost/host.ts) waits for. Nothing else crosses: the page has no other IPC.
 */
export const GPU_HOST_PORT_CHANNEL = 'gpu-host:port';
export const GPU_HOST_PORT_MESSAGE = 'fsam-gpu-host-port';
