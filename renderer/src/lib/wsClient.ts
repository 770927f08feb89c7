/**
 * StudioApi over a WebSocket, speaking the protocol of app/api/wire.ts. The socket reconnects with backoff
 * when it drops; calls made while it is down wait for it, and live subscriptions are sent again, a run's
 * stream resuming after the last step it delivered.
 */
import { stepsDoneAfter } from './contract.js';
import type {
  AnalysisInfo,
  AnalysisRequest,
  ClientMessage,
  ComparisonDetail,
  ComparisonInfo,
  ConfigCheck,
  ExportFormat,
  ExportResult,
  NewComparison,
  RunDetail,
  RunInfo,
  RunStreamEvent,
  Series,
  SeriesRequest,
  ServerMessage,
  StudioApi,
  StudioInfo,
  TrainConfigInput,
  Unsubscribe,
  WireError,
  DatasetPreview,
  DatasetPreviewOptions,
  ModelDescription,
  ModelDescriptionRequest,
  DatasetCacheEntry,
  DatasetStatus,
} from './contract.js';

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
}

/** A minimal WebSocket, so tests can hand in a fake. */
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

/** An Error carrying the wire error's name ("ConfigError", "NotFoundError", …) and message. */
export function errorFromWire(error: WireError): Error {
  const result = new Error(error.message);
  result.name = error.name;
  return result;
}

export class WebSocketStudioApi implements StudioApi {
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

  info(): Promise<StudioInfo> {
    return this.#call('info', []);
  }
  checkConfig(config: unknown): Promise<ConfigCheck> {
    return this.#call('checkConfig', [config]);
  }
  listRuns(): Promise<RunInfo[]> {
    return this.#call('listRuns', []);
  }
  getRun(runId: number): Promise<RunDetail> {
    return this.#call('getRun', [runId]);
  }
  startRun(request: { name?: string; config: TrainConfigInput }): Promise<RunInfo> {
    return this.#call('startRun', [request]);
  }
  pauseRun(runId: number): Promise<RunInfo> {
    return this.#call('pauseRun', [runId]);
  }
  resumeRun(runId: number): Promise<RunInfo> {
    return this.#call('resumeRun', [runId]);
  }
  stopRun(runId: number): Promise<RunInfo> {
    return this.#call('stopRun', [runId]);
  }
  deleteRun(runId: number): Promise<void> {
    return this.#call('deleteRun', [runId]);
  }
  metricSeries(request: SeriesRequest): Promise<Series[]> {
    return this.#call('metricSeries', [request]);
  }
  createComparison(request: NewComparison): Promise<ComparisonDetail> {
    return this.#call('createComparison', [request]);
  }
  listComparisons(): Promise<ComparisonInfo[]> {
    return this.#call('listComparisons', []);
  }
  getComparison(comparisonId: number): Promise<ComparisonDetail> {
    return this.#call('getComparison', [comparisonId]);
  }
  deleteComparison(comparisonId: number, options?: { withRuns?: boolean }): Promise<void> {
    // JSON turns a trailing undefined into null, which the server would reject as a bad option
    return this.#call('deleteComparison', options === undefined ? [comparisonId] : [comparisonId, options]);
  }
  describeModel(request: ModelDescriptionRequest): Promise<ModelDescription> {
    return this.#call('describeModel', [request]);
  }
  previewDataset(data: unknown, options?: DatasetPreviewOptions): Promise<DatasetPreview> {
    return this.#call('previewDataset', options === undefined ? [data] : [data, options]);
  }
  downloadDataset(name: string): Promise<DatasetCacheEntry> {
    return this.#call('downloadDataset', [name]);
  }
  datasetStatus(): Promise<DatasetStatus> {
    return this.#call('datasetStatus', []);
  }
  analyzeRun(request: AnalysisRequest): Promise<AnalysisInfo> {
    return this.#call('analyzeRun', [request]);
  }
  getAnalyses(request: { runIds: number[] }): Promise<AnalysisInfo[]> {
    return this.#call('getAnalyses', [request]);
  }
  exportRun(request: { runId: number; format: ExportFormat }): Promise<ExportResult> {
    return this.#call('exportRun', [request]);
  }
  exportComparison(request: { comparisonId: number }): Promise<ExportResult> {
    return this.#call('exportComparison', [request]);
  }

  onRunUpdate(listener: (run: RunInfo) => void): Unsubscribe {
    return this.#subscribe(
      (id) => ({ kind: 'subscribe', id, method: 'onRunUpdate', args: [] }),
      (event) => listener(event as RunInfo),
    );
  }

  subscribeRun(runId: number, options: { afterStep?: number }, listener: (event: RunStreamEvent) => void): Unsubscribe {
    // Everything up to `resumeAfter` has been delivered. An epoch ends at a step and is sent after it, so
    // after steps up to k only k − 1 is certain; a re-sent subscription may repeat step k (callers skip it).
    let resumeAfter = options.afterStep ?? 0;
    return this.#subscribe(
      (id) => ({ kind: 'subscribe', id, method: 'subscribeRun', args: [runId, { afterStep: resumeAfter }] }),
      (raw) => {
        const event = raw as RunStreamEvent;
        if (event.type === 'steps' && event.steps.length > 0) {
          resumeAfter = Math.max(resumeAfter, stepsDoneAfter(event.steps[event.steps.length - 1]!) - 1);
        } else if (event.type === 'epoch') {
          resumeAfter = Math.max(resumeAfter, event.epoch.step);
        } else if (event.type === 'rewind') {
          resumeAfter = Math.min(resumeAfter, event.step);
        }
        listener(event);
      },
    );
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

  #call<T>(method: CallMessage['method'], args: unknown[]): Promise<T> {
    const message: CallMessage = { kind: 'call', id: this.#nextId++, method, args };
    return new Promise<T>((resolve, reject) => {
      const pending: PendingCall = { message, sent: false, resolve: resolve as (value: unknown) => void, reject };
      this.#pending.set(message.id, pending);
      if (this.#isOpen()) this.#sendCall(pending);
    });
  }

  #sendCall(pending: PendingCall): void {
    pending.sent = true;
    this.#send(pending.message);
  }

  #subscribe(message: (id: number) => SubscribeMessage, deliver: (event: unknown) => void): Unsubscribe {
    const id = this.#nextId++;
    const subscription: Subscription = { message: () => message(id), deliver };
    this.#subscriptions.set(id, subscription);
    if (this.#isOpen()) this.#send(subscription.message());
    return () => {
      if (!this.#subscriptions.delete(id)) return;
      if (this.#isOpen()) this.#send({ kind: 'unsubscribe', id });
    };
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
    if (message.kind === 'event') {
      const subscription = this.#subscriptions.get(message.id);
      if (subscription === undefined) return; // unsubscribed while the event was on its way
      try {
        subscription.deliver(message.event);
      } catch (error) {
        // one failing listener must not stop the others or the socket
        console.error('A subscription listener failed:', error);
      }
      return;
    }
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.kind === 'result') pending.resolve(message.value);
    else pending.reject(errorFromWire(message.error));
  }
}
