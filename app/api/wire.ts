/**
 * The messages that carry StudioApi over a WebSocket (the web shell). Types only: the server is in
 * main/web/, the client in renderer/. Every message is one JSON text frame.
 *
 *   client → server  { kind: 'call', id, method, args }          a StudioApi call
 *   server → client  { kind: 'result', id, value }                 its promise resolved
 *   server → client  { kind: 'error', id, error }                  its promise rejected
 *   client → server  { kind: 'subscribe', id, method, args }       onRunUpdate() or subscribeRun(runId, options)
 *   server → client  { kind: 'event', id, event }                  one listener call of subscription `id`
 *   client → server  { kind: 'unsubscribe', id }
 *
 * `id` is chosen by the client, unique per connection; a subscription's id names it until unsubscribed.
 * A frame that is no message (binary, not JSON, no usable id) is answered with an error for id -1. A frame
 * over the server's size limit closes the socket with 1009 ("message too big"); a connection that sends
 * faster than its budget allows (app/api/connection.ts, CONNECTION_LIMITS) gets TooManyRequestsError
 * answers, and one that stops reading its answers is dropped (it reconnects; its streams resume).
 */
import type { STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS } from './types.js';

export type ApiCallName = (typeof STUDIO_API_CALLS)[number];
export type ApiSubscriptionName = (typeof STUDIO_API_SUBSCRIPTIONS)[number];

export interface WireError {
  /**
   * "ConfigError" for a bad input or message (the message names the field), "NotFoundError", "StateError",
   * "TooManyRequestsError" (wait and send again), or "Error".
   */
  name: string;
  message: string;
}

export type ClientMessage =
  | { kind: 'call'; id: number; method: ApiCallName; args: unknown[] }
  | { kind: 'subscribe'; id: number; method: ApiSubscriptionName; args: unknown[] }
  | { kind: 'unsubscribe'; id: number };

export type ServerMessage =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'event'; id: number; event: unknown };

/** The WebSocket's path on the web shell; the token goes in the query string: /api?token=… */
export const WIRE_PATH = '/api';
