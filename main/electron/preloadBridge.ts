/**
 * StudioApi over Electron's ipcRenderer: what the preload hands to the renderer as `window.studio`, and
 * nothing more (the renderer never sees ipcRenderer, its events, or any Node API). Calls go through
 * `ipcRenderer.invoke`; a subscription is opened with an id, its events come back on one channel, and the
 * returned function closes it. Bundled into the sandboxed preload, so it imports only the IPC contract and
 * the API's constants — no Node, no zod, no service.
 */
import type {
  AnalysisInfo,
  AnalysisRequest,
  ComparisonDetail,
  ComparisonInfo,
  ConfigCheck,
  DesktopExtras,
  ExportFormat,
  ExportResult,
  NewComparison,
  RunDetail,
  RunInfo,
  RunStreamEvent,
  Series,
  SeriesRequest,
  StudioApi,
  StudioInfo,
  TrainConfigInput,
  Unsubscribe,
  DatasetPreview,
  DatasetPreviewOptions,
  ModelDescription,
  ModelDescriptionRequest,
  DatasetCacheEntry,
  DatasetStatus,
} from '../../app/api/types.js';
import type { ApiCallName, ApiSubscriptionName } from '../../app/api/wire.js';
import { IPC_CHANNELS, type IpcReply } from './channels.js';

/** The part of Electron's ipcRenderer the bridge uses (a test passes a recording fake). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: any[]): Promise<any>;
  send(channel: string, ...args: any[]): void;
  on(channel: string, listener: (event: unknown, ...args: any[]) => void): unknown;
}

function errorFrom(reply: Extract<IpcReply, { ok: false }>): Error {
  const error = new Error(reply.error.message);
  error.name = reply.error.name;
  return error;
}

export function createStudioBridge(ipc: IpcRendererLike): StudioApi & DesktopExtras {
  const listeners = new Map<number, (event: unknown) => void>();
  let nextId = 1;
  let listening = false;

  const call = async <T>(method: ApiCallName, args: unknown[]): Promise<T> => {
    // a trailing undefined (an omitted optional argument) is left out, as over the WebSocket
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    const reply = (await ipc.invoke(IPC_CHANNELS.call, method, args)) as IpcReply;
    if (!reply.ok) throw errorFrom(reply);
    return reply.value as T;
  };

  const subscribe = (method: ApiSubscriptionName, args: unknown[], deliver: (event: unknown) => void): Unsubscribe => {
    if (!listening) {
      listening = true;
      ipc.on(IPC_CHANNELS.event, (_event, id: unknown, payload: unknown) => {
        const listener = typeof id === 'number' ? listeners.get(id) : undefined;
        if (listener === undefined) return; // closed while the event was on its way
        try {
          listener(payload);
        } catch (error) {
          // one failing listener must not stop the others
          console.error('A subscription listener failed:', error);
        }
      });
    }
    const id = nextId++;
    listeners.set(id, deliver);
    ipc.invoke(IPC_CHANNELS.subscribe, id, method, args).then(
      (reply: IpcReply) => {
        if (reply.ok) return;
        listeners.delete(id);
        console.error(`F-SAM Studio could not subscribe (${method}): ${reply.error.message}`);
      },
      (error: unknown) => {
        listeners.delete(id);
        console.error(`F-SAM Studio could not subscribe (${method}):`, error);
      },
    );
    return () => {
      if (listeners.delete(id)) ipc.send(IPC_CHANNELS.unsubscribe, id);
    };
  };

  const bridge = {
    info: () => call<StudioInfo>('info', []),
    checkConfig: (config: unknown) => call<ConfigCheck>('checkConfig', [config]),
    listRuns: () => call<RunInfo[]>('listRuns', []),
    getRun: (runId: number) => call<RunDetail>('getRun', [runId]),
    startRun: (request: { name?: string; config: TrainConfigInput }) => call<RunInfo>('startRun', [request]),
    pauseRun: (runId: number) => call<RunInfo>('pauseRun', [runId]),
    resumeRun: (runId: number) => call<RunInfo>('resumeRun', [runId]),
    stopRun: (runId: number) => call<RunInfo>('stopRun', [runId]),
    deleteRun: (runId: number) => call<void>('deleteRun', [runId]),
    metricSeries: (request: SeriesRequest) => call<Series[]>('metricSeries', [request]),
    createComparison: (request: NewComparison) => call<ComparisonDetail>('createComparison', [request]),
    listComparisons: () => call<ComparisonInfo[]>('listComparisons', []),
    getComparison: (comparisonId: number) => call<ComparisonDetail>('getComparison', [comparisonId]),
    deleteComparison: (comparisonId: number, options?: { withRuns?: boolean }) => call<void>('deleteComparison', [comparisonId, options]),
    describeModel: (request: ModelDescriptionRequest) => call<ModelDescription>('describeModel', [request]),
    previewDataset: (data: unknown, options?: DatasetPreviewOptions) => call<DatasetPreview>('previewDataset', options === undefined ? [data] : [data, options]),
    downloadDataset: (name: string) => call<DatasetCacheEntry>('downloadDataset', [name]),
    datasetStatus: () => call<DatasetStatus>('datasetStatus', []),
    analyzeRun: (request: AnalysisRequest) => call<AnalysisInfo>('analyzeRun', [request]),
    getAnalyses: (request: { runIds: number[] }) => call<AnalysisInfo[]>('getAnalyses', [request]),
    exportRun: (request: { runId: number; format: ExportFormat }) => call<ExportResult>('exportRun', [request]),
    exportComparison: (request: { comparisonId: number }) => call<ExportResult>('exportComparison', [request]),
    onRunUpdate: (listener: (run: RunInfo) => void) => subscribe('onRunUpdate', [], (event) => listener(event as RunInfo)),
    subscribeRun: (runId: number, options: { afterStep?: number }, listener: (event: RunStreamEvent) => void) =>
      subscribe('subscribeRun', [runId, options ?? {}], (event) => listener(event as RunStreamEvent)),
    saveExport: async (fileId: number) => {
      const reply = (await ipc.invoke(IPC_CHANNELS.saveExport, fileId)) as IpcReply;
      if (!reply.ok) throw errorFrom(reply);
      return reply.value as { savedTo: string | null };
    },
  } satisfies StudioApi & DesktopExtras;
  return Object.freeze(bridge);
}
