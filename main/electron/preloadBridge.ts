/**
 * StudioApi over Electron's ipcRenderer: what the preload hands to the renderer as `window.studio`, and
 * nothing more (the renderer never sees ipcRenderer, its events, or any Node API). This file is only the
 * transport — calls go through `ipcRenderer.invoke`; a subscription is opened with an id, its events come
 * back on one channel, and the returned function closes it — plus the desktop-only extras; the StudioApi
 * methods themselves come from app/api/client.ts, as the web shell's do. Bundled into the sandboxed
 * preload, so it imports only the IPC contract and the client — no Node, no zod, no service.
 */
import { createStudioClient, errorFromWire, type StudioTransport } from '../../app/api/client.js';
import type { DesktopExtras, StudioApi } from '../../app/api/types.js';
import { IPC_CHANNELS, type IpcReply } from './channels.js';

/** The part of Electron's ipcRenderer the bridge uses (a test passes a recording fake). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: any[]): Promise<any>;
  send(channel: string, ...args: any[]): void;
  on(channel: string, listener: (event: unknown, ...args: any[]) => void): unknown;
}

function valueOf(reply: IpcReply): unknown {
  if (!reply.ok) throw errorFromWire(reply.error);
  return reply.value;
}

/** StudioApi's transport over ipcRenderer (channels.ts). */
export function ipcTransport(ipc: IpcRendererLike): StudioTransport {
  const listeners = new Map<number, (event: unknown) => void>();
  let nextId = 1;
  let listening = false;

  // one channel listener serves every subscription, routing events by id
  const listen = () => {
    if (listening) return;
    listening = true;
    ipc.on(IPC_CHANNELS.event, (_event, id: unknown, payload: unknown) => {
      // undefined: closed while the event was on its way
      if (typeof id === 'number') listeners.get(id)?.(payload);
    });
  };

  return {
    call: async (method, args) => valueOf((await ipc.invoke(IPC_CHANNELS.call, method, args)) as IpcReply),
    subscribe(name, args, deliver, fail) {
      listen();
      const id = nextId++;
      listeners.set(id, deliver);
      // told only while still subscribed: a caller that closed it meanwhile no longer listens
      const refused = (error: unknown) => {
        if (listeners.delete(id)) fail(error instanceof Error ? error : new Error(String(error)));
      };
      ipc.invoke(IPC_CHANNELS.subscribe, id, name, args).then((reply: IpcReply) => {
        if (!reply.ok) refused(errorFromWire(reply.error));
      }, refused);
      return () => {
        if (listeners.delete(id)) ipc.send(IPC_CHANNELS.unsubscribe, id);
      };
    },
  };
}

export function createStudioBridge(ipc: IpcRendererLike): StudioApi & DesktopExtras {
  const bridge = {
    ...createStudioClient(ipcTransport(ipc)),
    saveExport: async (fileId: number) => valueOf((await ipc.invoke(IPC_CHANNELS.saveExport, fileId)) as IpcReply) as { savedTo: string | null },
  } satisfies StudioApi & DesktopExtras;
  return Object.freeze(bridge);
}
