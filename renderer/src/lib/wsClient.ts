/**
 * StudioApi's transport over a WebSocket, speaking the protocol of app/api/wire.ts; the StudioApi methods
 * themselves come from the one client (app/api/client.ts, `createStudioClient(socket)`), as the desktop
 * preload's do. The socket reconnects with backoff when it drops; calls made while it is down wait for it,
 * and live subscriptions are sent again, a run's stream resuming after the last step it delivered.
 */
import { errorFromWire, stepsDoneAfter } from './contract.js';
import type { ClientMessage, RunStreamEvent, ServerMessage, StudioTransport, Unsubscribe } from './contract.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

type CallMessage = Extract<ClientMessage, { kind: 'call' }>;
type SubscribeMessage = Extract<ClientMessage, { kind: 'subscribe' }>;

interface PendingCall {
  message: CallMessage;
  sent: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Subscription {
  /** Built when sent, so a re-sent subscribeRun asks only for what was not yet delivered. */
  message: () => SubscribeMessage;
  deliver: (event: unknown) => void;
  fail: (error: Error) => void;
}

/** A minimal WebSocket, so tests can hand in another implementation (the `ws` package's, in Node). */
export interface SocketLike {
  readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(): void;
}

const OPEN = 1;
const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

/**
 * subscribeRun's arguments for each (re)send: everything up to `afterStep` has been delivered. An epoch ends
 * at a step and is sent after it, so after steps up to k only k − 1 is certain; a re-sent subscription may
 * repeat step k (callers skip it).
 */
function resumingRunStream(args: unknown[], deliver: (event: unknown) => void): { args: () => unknown[]; deliver: (event: unknown) => void } {
  const [runId, options] = args as [unknown, { afterStep?: number } | undefined];
  let resumeAfter = options?.afterStep ?? 0;
  return {
    args: () => [runId, { ...options, afterStep: resumeAfter }],
    deliver: (raw) => {
      const event = raw as RunStreamEvent;
      if (event.type === 'steps' && event.steps.length > 0) {
        resumeAfter = Math.max(resumeAfter, stepsDoneAfter(event.steps[event.steps.length - 1]!) - 1);
      } else if (event.type === 'epoch') {
        resumeAfter = Math.max(resumeAfter, event.epoch.step);
      } else if (event.type === 'rewind') {
        resumeAfter = Math.min(resumeAfter, event.step);
      }
      deliver(event);
    },
  };
}

export class StudioSocket implements StudioTransport {
  #socket: SocketLike | null = null;
  #nextId = 1;
  #pending = new Map<number, PendingCall>();
  #subscriptions = new Map<number, Subscription>();
  #state: ConnectionState = 'connecting';
  #stateListeners = new Set<(state: ConnectionState) => void>();
  #openListeners = new Set<(reconnected: boolean) => void>();
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #hasOpened = false;

  constructor(
    private readonly url: string,
    private readonly createSocket: (url: string) => SocketLike = (address) => new WebSocket(address),
  ) {
    this.#connect();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  onStateChange(listener: (state: ConnectionState) => void): Unsubscribe {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Called on every successful connection; `reconnected` is true after a drop (state may be stale then). */
  onOpen(listener: (reconnected: boolean) => void): Unsubscribe {
    this.#openListeners.add(listener);
    return () => this.#openListeners.delete(listener);
  }

  /** Stops reconnecting and closes the socket (for tests and page teardown). */
  close(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      socket.onclose = null;
      socket.close();
    }
  }

  call(method: CallMessage['method'], args: unknown[]): Promise<unknown> {
    const message: CallMessage = { kind: 'call', id: this.#nextId++, method, args };
    return new Promise((resolve, reject) => {
      const pending: PendingCall = { message, sent: false, resolve, reject };
      this.#pending.set(message.id, pending);
      if (this.#isOpen()) this.#sendCall(pending);
    });
  }

  subscribe(name: SubscribeMessage['method'], args: unknown[], deliver: (event: unknown) => void, fail: (error: Error) => void): Unsubscribe {
    const id = this.#nextId++;
    const stream = name === 'subscribeRun' ? resumingRunStream(args, deliver) : { args: () => args, deliver };
    const subscription: Subscription = { message: () => ({ kind: 'subscribe', id, method: name, args: stream.args() }), deliver: stream.deliver, fail };
    this.#subscriptions.set(id, subscription);
    if (this.#isOpen()) this.#send(subscription.message());
    return () => {
      if (!this.#subscriptions.delete(id)) return;
      if (this.#isOpen()) this.#send({ kind: 'unsubscribe', id });
    };
  }

  #sendCall(pending: PendingCall): void {
    pending.sent = true;
    this.#send(pending.message);
  }

  #isOpen(): boolean {
    return this.#socket !== null && this.#socket.readyState === OPEN;
  }

  #send(message: ClientMessage): void {
    this.#socket!.send(JSON.stringify(message));
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  #connect(): void {
    this.#retryTimer = null;
    const socket = this.createSocket(this.url);
    this.#socket = socket;
    socket.onopen = () => this.#opened();
    socket.onmessage = (event) => this.#received(event.data);
    // an error is always followed by close, which does the work
    socket.onerror = () => {};
    socket.onclose = () => this.#dropped(socket);
  }

  #opened(): void {
    this.#retryMs = FIRST_RETRY_MS;
    const reconnected = this.#hasOpened;
    this.#hasOpened = true;
    for (const pending of this.#pending.values()) {
      if (!pending.sent) this.#sendCall(pending);
    }
    for (const subscription of this.#subscriptions.values()) this.#send(subscription.message());
    this.#setState('open');
    for (const listener of this.#openListeners) listener(reconnected);
  }

  #dropped(socket: SocketLike): void {
    if (this.#socket !== socket) return;
    this.#socket = null;
    // A call already sent may or may not have run (startRun!): fail it rather than send it twice.
    for (const [id, pending] of this.#pending) {
      if (!pending.sent) continue;
      this.#pending.delete(id);
      const error = new Error(`The connection to the studio service was lost before "${pending.message.method}" answered; check the service and try again.`);
      error.name = 'ConnectionError';
      pending.reject(error);
    }
    this.#setState(this.#hasOpened ? 'reconnecting' : 'connecting');
    const delay = this.#retryMs * (0.8 + 0.4 * Math.random());
    this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #received(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      console.error('Ignoring a message from the studio service that is not JSON:', data.slice(0, 200));
      return;
    }
    const subscription = this.#subscriptions.get(message.id);
    if (subscription !== undefined) {
      if (message.kind === 'event') subscription.deliver(message.event);
      // refused when (re)sent: the run is gone, or the subscription was bad; it is not sent again
      else if (message.kind === 'error') {
        this.#subscriptions.delete(message.id);
        subscription.fail(errorFromWire(message.error));
      }
      return;
    }
    // anything else for an id no longer subscribed was on its way when it closed
    const pending = this.#pending.get(message.id);
    if (pending === undefined || message.kind === 'event') return;
    this.#pending.delete(message.id);
    if (message.kind === 'result') pending.resolve(message.value);
    else pending.reject(errorFromWire(message.error));
  }
}
