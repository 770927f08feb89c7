/**
 * The one StudioApi object the renderer talks to (STUDIO.md, "Rooms"): the Electron preload's `window.studio`
 * when it exists, otherwise a WebSocket client to the web shell that served this page.
 */
import { createStudioClient, WIRE_PATH } from './contract.js';
import type { StudioApi, Unsubscribe } from './contract.js';
import { StudioSocket } from './wsClient.js';
import type { ConnectionState } from './wsClient.js';

export type { ConnectionState };

let api: StudioApi | null = null;
let socket: StudioSocket | null = null;

/** ws(s)://host/api, with the page's `token` query parameter passed on (the web shell requires it). */
export function webSocketUrl(location: { protocol: string; host: string; search: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const token = new URLSearchParams(location.search).get('token');
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return `${scheme}://${location.host}${WIRE_PATH}${query}`;
}

export function getApi(): StudioApi {
  if (api === null) {
    if (window.studio !== undefined) {
      api = window.studio;
    } else {
      socket = new StudioSocket(webSocketUrl(window.location));
      api = createStudioClient(socket);
    }
  }
  return api;
}

/** The transport's state; the preload's IPC never disconnects, so it is always "open". */
export function connectionState(): ConnectionState {
  getApi();
  return socket?.state ?? 'open';
}

export function onConnectionStateChange(listener: (state: ConnectionState) => void): Unsubscribe {
  getApi();
  return socket?.onStateChange(listener) ?? (() => {});
}

/** Runs `listener` after every reconnection, so screens can reload what may have changed meanwhile. */
export function onReconnect(listener: () => void): Unsubscribe {
  getApi();
  return (
    socket?.onOpen((reconnected) => {
      if (reconnected) listener();
    }) ?? (() => {})
  );
}
