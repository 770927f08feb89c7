/**
 * The analysis manager: computes sharpness analyses in worker threads, one at a time (an analysis keeps a
 * core busy, and training runs share the machine), and is the only writer of their rows. A worker that throws
 * or dies fails its analysis with the reason; the run and its stored data are never touched.
 */
import { ACTIVE_STATUSES, PENDING_ANALYSIS_STATUSES } from '../domain/index.js';
import { failureMessage, startWorkerJob, WorkerExitError, type WorkerJob } from '../jobs/workerJob.js';
import type { StudioStore } from '../store/store.js';
import { usableConfig } from '../store/storedConfig.js';
import { StateError } from '../validation.js';
import type { AnalysisTask, AnalysisWorkerMessage } from './protocol.js';
import type { AnalysisInfo, AnalysisOptions, AnalysisResult } from '../domain/analysis.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/**
 * How long a stopped analysis gets to end by itself (it looks for the stop between its phases' batches)
 * before its worker is terminated.
 */
const STOP_GRACE_MS = 10_000;

interface Queued {
  analysisId: number;
  task: AnalysisTask;
}

export class AnalysisManager {
  private readonly queue: Queued[] = [];
  private readonly workers = new Map<number, WorkerJob<AnalysisResult, never>>();
  private readonly endWaiters = new Map<number, ((analysis: AnalysisInfo) => void)[]>();
  /** Each analysis as it was created, until it ends. */
  private readonly started = new Map<number, AnalysisInfo>();
  private closed = false;

  constructor(
    readonly store: StudioStore,
    readonly concurrency = 1,
  ) {}

  /** Queues an analysis of the run's latest checkpoint; refused (StateError) while the run trains or without a checkpoint. */
  start(runId: number, options: AnalysisOptions): AnalysisInfo {
    if (this.closed) throw new StateError('the analysis manager is shut down');
    const run = this.store.getRun(runId);
    if (ACTIVE_STATUSES.includes(run.status)) {
      throw new StateError(`Run ${runId} is ${run.status}; analyse it once it has ended, or stop it first (it keeps a checkpoint)`);
    }
    const checkpoint = this.store.latestCheckpoint(runId);
    if (!checkpoint) throw new StateError(`Run ${runId} (${run.status}) has no checkpoint to analyse; it ended before its first epoch — resume it or train it again`);
    const config = usableConfig(run);
    const analysis = this.store.analyses.create(runId, options);
    this.started.set(analysis.id, analysis);
    this.queue.push({ analysisId: analysis.id, task: { analysisId: analysis.id, config, checkpointPath: checkpoint.path, options } });
    this.pump();
    return this.store.analyses.get(analysis.id);
  }

  /** Resolves with the analysis once it is completed, failed or interrupted. */
  waitForEnd(analysisId: number): Promise<AnalysisInfo> {
    const analysis = this.store.analyses.get(analysisId);
    if (!PENDING_ANALYSIS_STATUSES.includes(analysis.status)) return Promise.resolve(analysis);
    return new Promise((resolve) => this.endWaiters.set(analysisId, [...(this.endWaiters.get(analysisId) ?? []), resolve]));
  }

  /** Ends what is queued or running (as interrupted: nothing half-done is kept). */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.stopWhere(() => true, 'the studio closed before this analysis ended; start it again');
  }

  /** Ends the analyses of a run about to be deleted: its queued ones are dropped, a running one's worker is stopped. */
  async cancelRun(runId: number): Promise<void> {
    await this.stopWhere((analysisId) => this.started.get(analysisId)?.runId === runId, 'its run was deleted');
  }

  /** Analyses computing now (a worker each). */
  get runningCount(): number {
    return this.workers.size;
  }

  /** Ends every queued or running analysis `selected` picks, as interrupted with `reason`; resolves once their workers have exited. */
  private async stopWhere(selected: (analysisId: number) => boolean, reason: string): Promise<void> {
    const interrupt = (analysisId: number) => this.finish(analysisId, () => this.store.analyses.end(analysisId, 'interrupted', reason));
    for (let index = this.queue.length - 1; index >= 0; index--) {
      const { analysisId } = this.queue[index]!;
      if (!selected(analysisId)) continue;
      this.queue.splice(index, 1);
      interrupt(analysisId);
    }
    const running = [...this.workers.entries()].filter(([analysisId]) => selected(analysisId));
    await Promise.all(
      running.map(async ([analysisId, job]) => {
        interrupt(analysisId);
        await job.stop(STOP_GRACE_MS);
      }),
    );
  }

  private pump(): void {
    while (!this.closed && this.workers.size < this.concurrency && this.queue.length > 0) this.launch(this.queue.shift()!);
  }

  private launch({ analysisId, task }: Queued): void {
    this.store.analyses.markRunning(analysisId);
    const job = startWorkerJob<AnalysisWorkerMessage, AnalysisResult>(WORKER_URL, {
      workerData: task,
      resultOf: (message) => (message.type === 'result' ? message.result : undefined),
      onProgress: (message) => {
        if (message.type === 'progress') this.store.analyses.setProgress(analysisId, message.progress);
      },
    });
    this.workers.set(analysisId, job);
    // registered before anyone can stop the job: the end is written, and the slot freed, before a stop() resolves
    job.result.then(
      (result) => this.finish(analysisId, () => this.store.analyses.complete(analysisId, result)),
      (error: unknown) => {
        const message = error instanceof WorkerExitError && !error.terminated ? `the analysis worker exited (code ${error.exitCode}) before it gave a result` : failureMessage(error);
        // an analysis stopped on purpose is already ended as interrupted: finish writes nothing then
        this.finish(analysisId, () => this.store.analyses.end(analysisId, 'failed', message));
      },
    );
    void job.exited.then(() => {
      this.workers.delete(analysisId);
      this.pump();
    });
  }

  /** Writes an analysis's end (if its run still exists) once, and wakes whoever waits for it. */
  private finish(analysisId: number, write: () => void): void {
    const exists = this.store.analyses.find(analysisId);
    if (exists && PENDING_ANALYSIS_STATUSES.includes(exists.status)) write();
    const waiters = this.endWaiters.get(analysisId);
    this.endWaiters.delete(analysisId);
    const created = this.started.get(analysisId);
    this.started.delete(analysisId);
    if (!waiters) return;
    // the run (and with it the analysis row) may have been deleted meanwhile: say so rather than leave waiters hanging
    const analysis = this.store.analyses.find(analysisId) ?? { ...created!, status: 'failed' as const, progress: null, message: 'the run was deleted while it was analysed' };
    for (const resolve of waiters) resolve(analysis);
  }
}
