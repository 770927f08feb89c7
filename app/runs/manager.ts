/**
 * The run manager: trains every run in its own worker thread, at most `concurrency` at a time, and is the
 * only writer of what runs produce. Start, pause, resume, stop and delete are transitions recorded in the
 * store. A worker that throws or dies fails its run with the reason; the other runs and the process go on.
 */
import { availableParallelism } from 'node:os';
import type { RunStatus } from '../domain/index.js';
import type { RunInfo, RunStreamEvent, Unsubscribe } from '../store/records.js';
import { RESUMABLE_STATUSES } from '../domain/index.js';
import { failureMessage, startWorkerJob, WorkerExitError, type WorkerJob } from '../jobs/workerJob.js';
import type { StudioStore } from '../store/store.js';
import { usableConfig } from '../store/storedConfig.js';
import type { RunSummary } from '../training/trainer.js';
import { StateError } from '../validation.js';
import type { ManagerToWorker, WorkerTask, WorkerToManager } from './protocol.js';
import { recordStatus, recordWorkerReport } from './recording.js';
import { RunEnds } from './runEnds.js';
import { RunStreams } from './streams.js';

/** One run per two cores: a TF.js step already keeps a core busy, and the main side needs room to write. */
export function defaultConcurrency(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** How long a stopping worker gets to write its checkpoint before it is terminated. */
const STOP_GRACE_MS = 30_000;

interface ActiveRun {
  runId: number;
  job: WorkerJob<RunSummary, ManagerToWorker>;
  /**
   * Set when the manager ends the worker on purpose (stop, kill, shutdown; the latest wins): the run's status
   * and message if the worker has to be terminated. A worker that stops in time reports its own.
   */
  ending?: { status: RunStatus; message: string };
  /** The run's end is recorded (its summary, or why it has none). */
  finished: boolean;
  /** Resolves once the worker has exited and its slot is free. */
  done: Promise<void>;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * Starts a run's job: trains `task` and hands every report before the result to `onProgress`. The
 * default is a worker thread; the desktop app may train on its GPU host page instead (gpuHostClient.ts).
 */
export type RunLauncher = (task: WorkerTask, onProgress: (message: WorkerToManager) => void) => WorkerJob<RunSummary, ManagerToWorker>;

export const workerThreadLauncher: RunLauncher = (task, onProgress) =>
  startWorkerJob<WorkerToManager, RunSummary, ManagerToWorker>(WORKER_URL, {
    workerData: task,
    resultOf: (message) => (message.type === 'finished' ? message.summary : undefined),
    onProgress,
  });

export class RunManager {
  readonly streams: RunStreams;
  private readonly queue: { runId: number; resumeFrom: string | null }[] = [];
  private readonly active = new Map<number, ActiveRun>();
  private readonly ends: RunEnds;
  private closed = false;

  constructor(
    readonly store: StudioStore,
    readonly concurrency = defaultConcurrency(),
    private readonly launchJob: RunLauncher = workerThreadLauncher,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
    this.streams = new RunStreams(store);
    this.ends = new RunEnds(store);
  }

  /** Queues a run the store holds as "queued"; it starts when a slot is free. */
  enqueue(runId: number, resumeFrom: string | null = null): void {
    if (this.closed) throw new StateError('the run manager is shut down');
    this.queue.push({ runId, resumeFrom });
    this.streams.publishRun(runId);
    this.pump();
  }

  pause(runId: number): RunInfo {
    const run = this.store.getRun(runId);
    if (run.status !== 'running') throw new StateError(`Run ${runId} is ${run.status}; only a running run can be paused`);
    this.send(runId, { type: 'pause' });
    return this.transition(runId, 'paused', null);
  }

  /** A paused run continues in its worker; a stopped, interrupted or failed one from its last checkpoint. */
  resume(runId: number): RunInfo {
    const run = this.store.getRun(runId);
    if (run.status === 'paused' && this.active.has(runId)) {
      this.send(runId, { type: 'unpause' });
      return this.transition(runId, 'running', null);
    }
    if (!RESUMABLE_STATUSES.includes(run.status)) {
      throw new StateError(`Run ${runId} is ${run.status}; only ${RESUMABLE_STATUSES.join(', ')} runs can be resumed`);
    }
    // refused before anything is rewound: a config that no longer validates would only fail in the worker
    usableConfig(run);
    const checkpoint = this.store.latestCheckpoint(runId);
    const step = checkpoint?.step ?? 0;
    const epochsDone = run.stepsPerEpoch ? Math.floor(step / run.stepsPerEpoch) : 0;
    this.store.rewindTo(runId, step, epochsDone);
    this.streams.publishRewind(runId, step, epochsDone);
    const message = checkpoint ? `resumed from the checkpoint after step ${step}` : 'restarted from the beginning (no checkpoint yet)';
    this.transition(runId, 'queued', message);
    this.enqueue(runId, checkpoint?.path ?? null);
    return this.store.getRun(runId);
  }

  /** Ends a run between steps; it writes a checkpoint and can be resumed. */
  stop(runId: number): RunInfo {
    const run = this.store.getRun(runId);
    const queued = this.queue.findIndex((entry) => entry.runId === runId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.transition(runId, 'stopped', 'stopped before it started');
      this.ends.notify(runId);
      return this.store.getRun(runId);
    }
    const active = this.active.get(runId);
    if (!active) throw new StateError(`Run ${runId} is ${run.status}; there is nothing to stop`);
    // a worker stuck in a long step still ends: after the grace period it is terminated, and the run can resume from its last checkpoint
    active.ending = { status: 'stopped', message: 'stopped by the user; the worker did not answer in time, so the run resumes from its last epoch checkpoint' };
    void active.job.stop(STOP_GRACE_MS);
    return run;
  }

  /** Terminates a run's worker at once; the run ends with `status` and `message` (default: failed). */
  kill(runId: number, status: RunStatus = 'failed', message = 'the training worker was terminated'): void {
    const active = this.active.get(runId);
    if (!active || active.finished) return;
    active.ending = { status, message };
    void active.job.terminate();
  }

  /** Stops (if needed) and deletes a run with everything it produced. */
  async delete(runId: number): Promise<void> {
    this.store.getRun(runId);
    const queued = this.queue.findIndex((entry) => entry.runId === runId);
    if (queued >= 0) this.queue.splice(queued, 1);
    const active = this.active.get(runId);
    if (active && !active.finished) {
      // asked to stop first, never terminated mid-step: a webgpu worker with a GPU read pending would take
      // the whole process down (app/engine/webgpu.ts); one that does not answer in time is terminated
      active.ending = { status: 'stopped', message: 'deleted' };
      await active.job.stop(STOP_GRACE_MS);
    }
    if (active) await active.done;
    this.streams.forget(runId);
    this.store.deleteRun(runId);
  }

  subscribe(runId: number, afterStep: number, listener: (event: RunStreamEvent) => void): Unsubscribe {
    return this.streams.subscribe(runId, afterStep, listener);
  }

  onRunUpdate(listener: (run: RunInfo) => void): Unsubscribe {
    return this.streams.onRunUpdate(listener);
  }

  /** Resolves with the run once it is no longer queued, running or paused. */
  waitForEnd(runId: number): Promise<RunInfo> {
    return this.ends.wait(runId);
  }

  get activeRunIds(): number[] {
    return [...this.active.keys()];
  }

  /**
   * Ends every run this manager holds: running ones are stopped with a checkpoint (terminated after
   * `graceMs`, then resumable from their last epoch), queued ones become interrupted.
   */
  async shutdown(graceMs = STOP_GRACE_MS): Promise<void> {
    this.closed = true;
    for (const { runId } of this.queue.splice(0)) {
      this.transition(runId, 'interrupted', 'the studio closed before this run started; resume it to start it');
      this.ends.notify(runId);
    }
    const running = [...this.active.values()];
    await Promise.all(
      running.map(async (active) => {
        active.ending = { status: 'interrupted', message: 'the studio closed while this run trained; resume it to continue from its last checkpoint' };
        // a paused trainer must run again to see the stop
        active.job.post({ type: 'unpause' });
        await active.job.stop(graceMs);
        await active.done;
      }),
    );
    this.streams.close();
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.launch(next.runId, next.resumeFrom);
    }
  }

  private launch(runId: number, resumeFrom: string | null): void {
    const run = this.store.getRun(runId);
    if (run.configProblem !== undefined) {
      // queued before its stored config stopped validating: it fails with the reason, and the queue goes on
      this.transition(runId, 'failed', run.configProblem);
      this.ends.notify(runId);
      return;
    }
    const task: WorkerTask = { runId, config: usableConfig(run), runFolder: this.store.runFolder(runId), resumeFrom };
    const job = this.launchJob(task, (message) => this.receive(runId, message));
    const active: ActiveRun = { runId, job, finished: false, done: Promise.resolve() };
    this.active.set(runId, active);
    this.transition(runId, 'running', resumeFrom ? run.message : null);
    active.done = this.follow(active);
  }

  /** Records how the run ended, then frees its slot once the worker has exited. */
  private async follow(active: ActiveRun): Promise<void> {
    const { runId, job } = active;
    try {
      const summary = await job.result;
      active.finished = true;
      this.transition(runId, summary.status, summary.message);
    } catch (error) {
      active.finished = true;
      // terminated on purpose: the status the manager chose; otherwise the worker failed (threw, crashed, or quit)
      const chosen = error instanceof WorkerExitError && error.terminated ? active.ending : undefined;
      const message = error instanceof WorkerExitError && !error.terminated ? `the training worker exited (code ${error.exitCode}) before the run ended` : failureMessage(error);
      this.transition(runId, chosen?.status ?? 'failed', chosen?.message ?? message);
    }
    await job.exited;
    this.active.delete(runId);
    this.ends.notify(runId);
    this.pump();
  }

  /** The worker's reports before its result ('finished', read by resultOf), recorded and published. */
  private receive(runId: number, message: WorkerToManager): void {
    if (message.type !== 'finished') recordWorkerReport(this.store, this.streams, runId, message);
  }

  private send(runId: number, message: ManagerToWorker): void {
    this.active.get(runId)?.job.post(message);
  }

  private transition(runId: number, status: RunStatus, message: string | null): RunInfo {
    return recordStatus(this.store, this.streams, runId, status, message);
  }
}
