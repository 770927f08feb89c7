/**
 * The one StudioApi client, whatever carries it: the desktop preload (over ipcRenderer, main/electron/
 * preloadBridge.ts) and the web shell's page (over a WebSocket, renderer/src/lib/wsClient.ts) each supply
 * only a transport — how a call reaches the service and how a subscription's events come back — and get
 * their StudioApi methods from here, one per name in STUDIO_API_CALLS and STUDIO_API_SUBSCRIPTIONS.
 *
 * What must be the same on both transports is decided here, once:
 *   - the arguments sent: omitted trailing arguments (undefined) are left out; an undefined in the middle
 *     is sent as null (JSON would make it null anyway; IPC's structured clone would keep it);
 *   - a subscription that fails (refused, or its run does not exist) reaches the caller's `onError`, and
 *     its listener hears nothing more;
 *   - a listener that throws is logged and does not stop the other subscriptions or the transport.
 *
 * Bundled into the sandboxed preload and the renderer: it imports only the contract's types and its
 * constant lists — no Node, no zod.
 */
import { STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS, type StudioApi, type Unsubscribe } from './types.js';
import type { ApiCallName, ApiSubscriptionName, WireError } from './wire.js';

/** What a transport does; the client adds everything else. */
export interface StudioTransport {
  /** Sends one call; resolves with its value or rejects with the service's error (errorFromWire). */
  call(method: ApiCallName, args: unknown[]): Promise<unknown>;
  /**
   * Opens one subscription: `deliver` for each event, `fail` (at most once) if the service refuses it or it
   * breaks later — after `fail` the transport forgets it. The returned function closes it.
   */
  subscribe(name: ApiSubscriptionName, args: unknown[], deliver: (event: unknown) => void, fail: (error: Error) => void): Unsubscribe;
}

/** An Error carrying the wire error's name ("ConfigError", "NotFoundError", …) and message. */
export function errorFromWire(error: WireError): Error {
  const result = new Error(error.message);
  result.name = error.name;
  return result;
}

/** The arguments as both transports send them (see the top of this file). */
export function wireArguments(args: readonly unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end -= 1;
  return args.slice(0, end).map((arg) => (arg === undefined ? null : arg));
}

/** StudioApi's methods named by the two lists. Assigning it to StudioApi fails to compile if a method is missing from them. */
type ListedMethods = { [Name in ApiCallName | ApiSubscriptionName]: StudioApi[Name] };

type Listener = (event: unknown) => void;

/**
 * A subscription method's arguments are its wire arguments, then the listener, then an optional onError
 * (onRunUpdate(listener, onError?), subscribeRun(runId, options, listener, onError?)).
 */
function openSubscription(transport: StudioTransport, name: ApiSubscriptionName, args: readonly unknown[]): Unsubscribe {
  const at = args.findIndex((arg) => typeof arg === 'function');
  if (at < 0) throw new TypeError(`${name} needs a listener function`);
  const listener = args[at] as Listener;
  const onError = typeof args[at + 1] === 'function' ? (args[at + 1] as (error: Error) => void) : undefined;
  let failed = false;
  const deliver = (event: unknown) => {
    if (failed) return;
    try {
      listener(event);
    } catch (error) {
      // one failing listener must not stop the others or the transport
      console.error('A subscription listener failed:', error);
    }
  };
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    if (onError !== undefined) onError(error);
    // a caller that gave no onError still hears of it somewhere
    else console.error(`F-SAM Studio could not subscribe (${name}): ${error.message}`);
  };
  return transport.subscribe(name, wireArguments(args.slice(0, at)), deliver, fail);
}

/** StudioApi over `transport`: one method per listed call and subscription, and nothing else. */
export function createStudioClient(transport: StudioTransport): StudioApi {
  const methods: Record<string, (...args: unknown[]) => unknown> = {};
  for (const method of STUDIO_API_CALLS) methods[method] = (...args) => transport.call(method, wireArguments(args));
  for (const name of STUDIO_API_SUBSCRIPTIONS) methods[name] = (...args) => openSubscription(transport, name, args);
  // The one cast: a loop over the lists cannot give each method its own signature. The lists are checked
  // against StudioApi's keys (`satisfies` in types.ts), and `client` → StudioApi below checks the converse.
  const client = methods as unknown as ListedMethods;
  return client;
}
