/**
 * StudioApi over a message transport. The two small functions below are the whole boundary check of a call
 * or a subscription coming from outside (method name known, arguments an array of small JSON-like values;
 * each method then checks its arguments itself): Electron's IPC handlers (main/electron/ipc.ts) use them
 * directly, and `ApiConnection` — one web-shell client over its WebSocket — wraps them in the wire protocol
 * of wire.ts: it checks each incoming frame, answers with a result or an error, and forwards subscription
 * events until the client unsubscribes or goes away.
 *
 * Whoever holds a connection is not trusted to be gentle: `RequestBudget` caps what one connection (a
 * socket, a desktop window) may ask for — messages a second, calls waiting for their answers, open
 * subscriptions — and every refusal is an answer (TooManyRequestsError, or a ConfigError naming what was
 * wrong), never a silence or a crash. SECURITY.md lists the limits.
 */
import { z } from 'zod';
import type { ApiCallName, ApiSubscriptionName, ServerMessage, WireError } from './wire.js';
import { STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS, type StudioApi, type Unsubscribe } from './types.js';
import { ConfigError, parseOrThrow } from '../validation.js';

/** What one connection (a web-shell socket, a desktop window) may ask of the service. */
export interface ConnectionLimits {
  /** Calls sent and not yet answered; one more is refused until an answer goes out. */
  maxInFlight: number;
  /** Messages a second over time: a token bucket refilled at this rate… */
  messagesPerSecond: number;
  /** …holding this many, so a screen that opens with a hundred calls at once is not slowed. */
  burst: number;
  /** Subscriptions open at once (the compare screen follows at most 100 runs, plus run updates). */
  maxSubscriptions: number;
}

/** Far above what the studio's own screens send (SECURITY.md), far below what would starve training. */
export const CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({ maxInFlight: 64, messagesPerSecond: 200, burst: 500, maxSubscriptions: 256 });

/**
 * The shape of a call's arguments: a run config nests 4 levels and holds some 50 values. Deeper or larger is
 * refused before any method sees it — checked without recursion, so neither a deep structure nor a cycle
 * (IPC's structured clone keeps them) nor shared references can exhaust the stack or the CPU.
 */
export const ARGUMENT_LIMITS = Object.freeze({ depth: 32, values: 100_000, textCharacters: 1 << 20 });

/** A call refused because its connection asks too much too fast; waiting and sending again succeeds. */
export class TooManyRequestsError extends Error {
  override name = 'TooManyRequestsError';
}

/** Why `args` is not a small tree of JSON-like values, or undefined when it is. */
export function argumentShapeProblem(args: unknown): string | undefined {
  const { depth: maxDepth, values: maxValues, textCharacters: maxText } = ARGUMENT_LIMITS;
  const stack: { value: unknown; depth: number }[] = [{ value: args, depth: 0 }];
  let values = 1;
  let text = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string' && (text += value.length) > maxText) return `more than ${maxText} characters of text in all`;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return `nested deeper than ${maxDepth} levels`;
    // a sparse array's length (or a typed array's) costs nothing to send over IPC and everything to walk
    const length = Array.isArray(value) ? value.length : ArrayBuffer.isView(value) ? value.byteLength : 0;
    if (length > maxValues) return `an array of ${length} elements (at most ${maxValues})`;
    const entries = Object.entries(value);
    if ((values += entries.length) > maxValues) return `more than ${maxValues} values; a call's arguments are a few settings, not data`;
    for (const [key, child] of entries) {
      if ((text += key.length) > maxText) return `more than ${maxText} characters of text in all`;
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A message's or a subscription's id, chosen by the client (the preload, the page). */
export const messageIdSchema = z
  .number({ error: 'must be a whole number ≥ 0' })
  .int({ error: 'must be a whole number ≥ 0' })
  .nonnegative({ error: 'must be a whole number ≥ 0' });
const messageId = messageIdSchema;
const callMethod = z.enum(STUDIO_API_CALLS);
const subscriptionMethod = z.enum(STUDIO_API_SUBSCRIPTIONS);
const callArgs = z
  .array(z.unknown(), { error: 'must be an array of arguments' })
  .max(4, { error: 'at most 4 arguments' })
  .superRefine((args, context) => {
    const problem = argumentShapeProblem(args);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
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
 * an array of small JSON-like values (else a ConfigError naming the field); resolves with the method's
 * value (null for none).
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

/**
 * What one connection may still ask: a token bucket for messages, a count of calls waiting for their
 * answers, and a cap on open subscriptions. Each check throws a TooManyRequestsError saying which limit.
 */
export class RequestBudget {
  #tokens: number;
  #refilledAt: number;
  #inFlight = 0;

  constructor(
    readonly limits: Readonly<ConnectionLimits> = CONNECTION_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = limits.burst;
    this.#refilledAt = now();
  }

  /** Calls started and not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Takes one message's token, or throws when the connection has sent more than its rate allows. */
  admitMessage(): void {
    this.#refill();
    if (this.#tokens < 1) {
      const { burst, messagesPerSecond } = this.limits;
      throw new TooManyRequestsError(`Too many requests: this connection sent more than ${burst} messages at once (${messagesPerSecond} a second are allowed over time); wait a moment and send again`);
    }
    this.#tokens -= 1;
  }

  /** Milliseconds until a message would be admitted (0: now): how long a transport may stop reading. */
  waitMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.limits.messagesPerSecond) * 1000);
  }

  /** Throws when `open` subscriptions are already as many as a connection may have. */
  admitSubscription(open: number): void {
    const { maxSubscriptions } = this.limits;
    if (open >= maxSubscriptions) throw new TooManyRequestsError(`Too many subscriptions: ${maxSubscriptions} are open on this connection; close some before opening more`);
  }

  /** Runs one call, counted while it is in flight; throws at once when too many already are. */
  async call<T>(run: () => Promise<T>): Promise<T> {
    const { maxInFlight } = this.limits;
    if (this.#inFlight >= maxInFlight) {
      throw new TooManyRequestsError(`Too many requests: ${maxInFlight} calls on this connection are still waiting for their answers; wait for some before sending more`);
    }
    this.#inFlight += 1;
    try {
      return await run();
    } finally {
      this.#inFlight -= 1;
    }
  }

  #refill(): void {
    const now = this.now();
    const { burst, messagesPerSecond } = this.limits;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) / 1000) * messagesPerSecond);
    this.#refilledAt = now;
  }
}

/** The id a refusal answers: the message's own when it has a usable one, else -1 (the message as a whole). */
function idOf(input: unknown): number {
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : -1;
}

export class ApiConnection {
  private readonly subscriptions = new Map<number, Unsubscribe>();
  private closed = false;
  /** What this connection may still ask (see CONNECTION_LIMITS). */
  readonly budget: RequestBudget;

  constructor(
    private readonly api: StudioApi,
    private readonly send: (message: ServerMessage) => void,
    limits: Readonly<ConnectionLimits> = CONNECTION_LIMITS,
  ) {
    this.budget = new RequestBudget(limits);
  }

  /**
   * Handles one frame as received: its text, or null for a binary frame. Never throws: a frame that is not
   * a message (binary, not JSON) is answered with a ConfigError for id -1, as the client cannot be told apart.
   */
  async handleFrame(text: string | null): Promise<void> {
    let input: unknown;
    try {
      if (text === null) throw new ConfigError('Bad message — message: a binary frame; send each message as one JSON text frame');
      try {
        input = JSON.parse(text);
      } catch {
        throw new ConfigError('Bad message — message: not JSON; send each message as one JSON text frame ({ "kind": "call", "id", "method", "args" })');
      }
    } catch (error) {
      this.refuse(-1, error);
      return;
    }
    await this.handle(input);
  }

  /** Handles one message (already JSON-parsed); never throws: a bad message is answered with an error. */
  async handle(input: unknown): Promise<void> {
    const id = idOf(input);
    let message: z.infer<typeof clientMessageSchema>;
    try {
      // every message counts, a bad one too: a flood of junk is refused as a flood
      this.budget.admitMessage();
      message = parseOrThrow(clientMessageSchema, input, 'Bad message', 'message');
    } catch (error) {
      this.refuse(id, error);
      return;
    }
    if (message.kind === 'unsubscribe') {
      this.subscriptions.get(message.id)?.();
      this.subscriptions.delete(message.id);
      return;
    }
    if (message.kind === 'subscribe') {
      try {
        // a repeated id replaces the subscription it named
        this.subscriptions.get(message.id)?.();
        this.subscriptions.delete(message.id);
        this.budget.admitSubscription(this.subscriptions.size);
        const forward = (event: unknown) => this.reply({ kind: 'event', id: message.id, event });
        this.subscriptions.set(message.id, startSubscription(this.api, message.method, message.args, forward));
        this.reply({ kind: 'result', id: message.id, value: null });
      } catch (error) {
        this.refuse(message.id, error);
      }
      return;
    }
    try {
      const value = await this.budget.call(() => runCall(this.api, message.method, message.args));
      this.reply({ kind: 'result', id: message.id, value: value ?? null });
    } catch (error) {
      this.refuse(message.id, error);
    }
  }

  /** Subscriptions open on this connection. */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** The client went away: end its subscriptions. */
  close(): void {
    this.closed = true;
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }

  private refuse(id: number, error: unknown): void {
    this.reply({ kind: 'error', id, error: wireError(error) });
  }

  /**
   * Sends one message. The transport may fail (a value it cannot carry, a socket gone): the caller then hears
   * of it as an error when one can still be sent, and nothing propagates — an event comes from a run's
   * stream, whose other subscribers must not notice.
   */
  private reply(message: ServerMessage): void {
    if (this.closed) return;
    try {
      this.send(message);
    } catch (error) {
      if (message.kind === 'error') return;
      if (message.kind === 'event') {
        // the client is told its subscription failed (wsClient forgets it then): end it here too
        this.subscriptions.get(message.id)?.();
        this.subscriptions.delete(message.id);
      }
      try {
        this.send({ kind: 'error', id: message.id, error: wireError(error) });
      } catch {
        // the transport is gone; its close ends this connection
      }
    }
  }
}
