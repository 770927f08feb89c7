/**
 * What a training worker's report does to the studio: written to the store, then published to the live
 * streams. One function for both paths a report takes — a local worker thread (RunManager) and a remote
 * worker's event read from the queue (app/queue/remoteRuns.ts) — so a run looks the same wherever it trained.
 */
import type { RunStatus } from '../domain/index.js';
import type { RunInfo } from '../store/records.js';
import type { StudioStore } from '../store/store.js';
import type { WorkerToManager } from './protocol.js';
import type { RunStreams } from './streams.js';

/** A worker's report other than its result ('finished'), recorded and published. */
export type WorkerReport = Exclude<WorkerToManager, { type: 'finished' }>;

export function recordWorkerReport(store: StudioStore, streams: RunStreams, runId: number, message: WorkerReport): void {
  switch (message.type) {
    case 'started':
      store.recordStart(runId, message);
      streams.publishRun(runId);
      break;
    case 'steps':
      store.appendSteps(runId, message.steps);
      streams.publishSteps(runId, message.steps);
      break;
    case 'epoch':
      store.appendEpoch(runId, message.epoch);
      streams.publishEpoch(runId, message.epoch);
      break;
    case 'checkpoint':
      store.replaceCheckpoint(runId, message.path, message.bytes, message.step);
      break;
  }
}

/** A run's new status (and why), recorded and published: the one way both paths change it. */
export function recordStatus(store: StudioStore, streams: RunStreams, runId: number, status: RunStatus, message: string | null): RunInfo {
  const run = store.setStatus(runId, status, message);
  streams.publishRun(runId);
  return run;
}
