/**
 * StudioApi over a message transport. The two small functions below are the whole boundary check of a call
 * or a subscription coming from outside (method name known, arguments an array; each method then checks
 * its arguments itself): Electron's IPC handlers (main/electron/ipc.ts) use them directly, and
 * `ApiConnection` — one web-shell client over its WebSocket — wraps them in the wire protocol of wire.ts:
 * it checks each incoming message, answers with a result or an error, and forwards subscription events
 * until the client unsubscribes or goes away.
 */
import { z } from 'zod';
import type { ApiCallName, ApiSubscriptionName, ServerMessage, WireError } from './wire.js';
import { STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS, type StudioApi, type Unsubscribe } from './types.js';
import { parseOrThrow } from '../validation.js';

/** A message's or a subscription's id, chosen by the client (the preload, the page). */
export const messageIdSchema = z
  .number({ error: 'must be a whole number ≥ 0' })
  .int({ error: 'must be a whole number ≥ 0' })
  .nonnegative({ error: 'must be a whole number ≥ 0' });
const messageId = messageIdSchema;
const callMethod = z.enum(STUDIO_API_CALLS);
const subscriptionMethod = z.enum(STUDIO_API_SUBSCRIPTIONS);
const callArgs = z.array(z.unknown()).max(4);
const clientMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('call'), id: messageId, method: callMethod, args: callArgs }),
  z.object({ kind: z.literal('subscribe'), id: messageId, method: subscriptionMethod, args: callArgs }),
  z.object({ kind: z.literal('unsubscribe'), id: messageId }),
]);
const callSchema = z.object({ method: callMethod, args: callArgs });
const subscriptionSchema = z.object({ method: subscriptionMethod, args: callArgs });

/** An error as it crosses a transport: its name ("ConfigError", "NotFoundError", …) and message. */
export function wireError(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

function runCall(api: StudioApi, method: ApiCallName, args: unknown[]): Promise<unknown> {
  // each method validates its own arguments (zod, at the service boundary)
  const call = api[method] as (...callArgs: unknown[]) => Promise<unknown>;
  return call.apply(api, args);
}

function startSubscription(api: StudioApi, method: ApiSubscriptionName, args: unknown[], listener: (event: unknown) => void): Unsubscribe {
  if (method === 'onRunUpdate') return api.onRunUpdate(listener);
  return api.subscribeRun(args[0] as number, (args[1] ?? {}) as { afterStep?: number }, listener);
}

/**
 * Runs one StudioApi call named by an untrusted caller: `method` must be one of STUDIO_API_CALLS and `args`
 * an array (else a ConfigError naming the field); resolves with the method's value (null for none).
 */
export async function invokeApiCall(api: StudioApi, method: unknown, args: unknown): Promise<unknown> {
  const call = parseOrThrow(callSchema, { method, args }, 'Bad call');
  return (await runCall(api, call.method, call.args)) ?? null;
}

/**
 * Opens one StudioApi subscription named by an untrusted caller: `method` must be one of
 * STUDIO_API_SUBSCRIPTIONS and `args` an array (else a ConfigError). Returns its unsubscribe function.
 */
export function openSubscription(api: StudioApi, method: unknown, args: unknown, listener: (event: unknown) => void): Unsubscribe {
  const subscription = parseOrThrow(subscriptionSchema, { method, args }, 'Bad subscription');
  return startSubscription(api, subscription.method, subscription.args, listener);
}

export class ApiConnection {
  private readonly subscriptions = new Map<number, Unsubscribe>();
  private closed = false;

  constructor(
    private readonly api: StudioApi,
    private readonly send: (message: ServerMessage) => void,
  ) {}

  /** Handles one message (already JSON-parsed); never throws: a bad message is answered with an error. */
  async handle(input: unknown): Promise<void> {
    let message: z.infer<typeof clientMessageSchema>;
    try {
      message = parseOrThrow(clientMessageSchema, input, 'Bad message', 'message');
    } catch (error) {
      const id = typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'number' ? (input as { id: number }).id : -1;
      this.reply({ kind: 'error', id, error: wireError(error) });
      return;
    }
    if (message.kind === 'unsubscribe') {
      this.subscriptions.get(message.id)?.();
      this.subscriptions.delete(message.id);
      return;
    }
    if (message.kind === 'subscribe') {
      try {
        this.subscriptions.get(message.id)?.();
        const forward = (event: unknown) => this.reply({ kind: 'event', id: message.id, event });
        this.subscriptions.set(message.id, startSubscription(this.api, message.method, message.args, forward));
        this.reply({ kind: 'result', id: message.id, value: null });
      } catch (error) {
        this.reply({ kind: 'error', id: message.id, error: wireError(error) });
      }
      return;
    }
    try {
      const value = await runCall(this.api, message.method, message.args);
      this.reply({ kind: 'result', id: message.id, value: value ?? null });
    } catch (error) {
      this.reply({ kind: 'error', id: message.id, error: wireError(error) });
    }
  }

  /** The client went away: end its subscriptions. */
  close(): void {
    this.closed = true;
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }

  private reply(message: ServerMessage): void {
    if (!this.closed) this.send(message);
  }
}
