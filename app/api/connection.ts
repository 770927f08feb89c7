/**
 * One client's connection to the service over a message transport (the web shell's WebSocket, Electron's
 * IPC): it checks each incoming message, calls the StudioApi method it names, answers with a result or an
 * error, and forwards subscription events until the client unsubscribes or goes away.
 */
import { z } from 'zod';
import type { ServerMessage, WireError } from './wire.js';
import { STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS, type StudioApi, type Unsubscribe } from './types.js';
import { describeIssue } from '../validation.js';

const messageId = z.number().int().nonnegative();
const clientMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('call'), id: messageId, method: z.enum(STUDIO_API_CALLS), args: z.array(z.unknown()).max(4) }),
  z.object({ kind: z.literal('subscribe'), id: messageId, method: z.enum(STUDIO_API_SUBSCRIPTIONS), args: z.array(z.unknown()).max(4) }),
  z.object({ kind: z.literal('unsubscribe'), id: messageId }),
]);

function wireError(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
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
    const parsed = clientMessageSchema.safeParse(input);
    if (!parsed.success) {
      const id = typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'number' ? (input as { id: number }).id : -1;
      this.reply({ kind: 'error', id, error: { name: 'ConfigError', message: `Bad message — ${describeIssue(parsed.error, 'message')}` } });
      return;
    }
    const message = parsed.data;
    if (message.kind === 'unsubscribe') {
      this.subscriptions.get(message.id)?.();
      this.subscriptions.delete(message.id);
      return;
    }
    if (message.kind === 'subscribe') {
      try {
        this.subscriptions.get(message.id)?.();
        const forward = (event: unknown) => this.reply({ kind: 'event', id: message.id, event });
        const unsubscribe =
          message.method === 'onRunUpdate'
            ? this.api.onRunUpdate(forward)
            : this.api.subscribeRun(message.args[0] as number, (message.args[1] ?? {}) as { afterStep?: number }, forward);
        this.subscriptions.set(message.id, unsubscribe);
        this.reply({ kind: 'result', id: message.id, value: null });
      } catch (error) {
        this.reply({ kind: 'error', id: message.id, error: wireError(error) });
      }
      return;
    }
    try {
      // each method validates its own arguments (zod, at the service boundary)
      const method = this.api[message.method] as (...args: unknown[]) => Promise<unknown>;
      const value = await method.apply(this.api, message.args);
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
