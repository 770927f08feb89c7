/** The transport's state as reactive state, for the disconnected banner and the status bar. */
import { connectionState, onConnectionStateChange } from './api.js';
import type { ConnectionState } from './api.js';

export const connection = $state<{ state: ConnectionState }>({ state: 'connecting' });

export function trackConnection(): () => void {
  connection.state = connectionState();
  return onConnectionStateChange((state) => {
    connection.state = state;
  });
}
