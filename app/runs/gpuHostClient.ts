/**
 * The main side of a GPU host (gpuHostProtocol.ts): runs the run manager's jobs on a page that trains on
 * Chromium's WebGPU, while the main process keeps the run, the store and the stream. A run on the host is a
 * WorkerJob like a worker thread's, so the run manager takes it unchanged (its `launch` option):
 *
 * - the main side loads the run's data set and its checkpoint, and hands them over as buffers;
 * - the page's checkpoints are written into the run's folder here, with the same atomic writer;
 * - stopping asks the page (`stop`) and waits; past the grace period the job is abandoned, not killed:
 *   it ends as terminated (the manager records the status it chose) while the page finishes its step,
 *   sees the stop and ends the run by itself; what it still reports is dropped. The page is never torn
 *   down with GPU work pending, and it goes on serving the next runs.
 */
import { loadDataset } from '../data/index.js';
import type { WebGpuAdapterInfo } from '../engine/webgpuDevice.js';
import { jobOutcome, STOP_MESSAGE, stopWithin, WorkerExitError, type StopMessage, type WorkerJob } from '../jobs/workerJob.js';
import { readCheckpoint } from '../training/checkpoint.js';
import type { RunSummary } from '../training/trainer.js';
import { saveRunCheckpoint } from './checkpointFile.js';
import { datasetBuffers, checkpointBuffers, parseHostMessage, type HostRunReport, type HostToMain, type MainToHost } from './gpuHostProtocol.js';
import type { ManagerToWorker, WorkerTask, WorkerToManager } from './protocol.js';

/** The main process's end of the page's port (Electron's MessagePortMain, or a test's bridge to a browser). */
export interface HostConnection {
  /** `transfer`: buffers that may be moved rather than copied (Electron copies them across processes). */
  post(message: MainToHost, transfer: ArrayBuffer[]): void;
  onMessage(listener: (data: unknown) => void): void;
  /** The page is gone (closed, crashed, reloaded): the runs it held cannot end by themselves. */
  onClose(listener: (reason: string) => void): void;
}

export type RunJob = WorkerJob<RunSummary, ManagerToWorker>;

interface HostRun {
  task: WorkerTask;
  onProgress(message: WorkerToManager): void;
  settle(outcome: { summary: RunSummary } | { error: unknown }, exitCode: number): void;
}

export class GpuHostClient {
  private readonly runs = new Map<number, HostRun>();
  private probing: Promise<{ adapter: WebGpuAdapterInfo | null; error: string | null }> | undefined;
  private answerProbe: ((answer: { adapter: WebGpuAdapterInfo | null; error: string | null }) => void) | undefined;
  private answerRelease: (() => void) | undefined;
  private gone: string | undefined;

  /** `allowSoftware`: FSAM_BACKEND=webgpu asked for this route, so a software adapter is used too. */
  constructor(
    private readonly connection: HostConnection,
    private readonly allowSoftware: boolean,
  ) {
    connection.onMessage((data) => this.receive(data));
    connection.onClose((reason) => {
      this.gone = reason;
      for (const run of [...this.runs.values()]) run.settle({ error: new Error(`the GPU host page ended before the run did (${reason})`) }, 1);
      this.answerProbe?.({ adapter: null, error: `the GPU host page ended (${reason})` });
      this.answerRelease?.();
    });
  }

  /** The adapter the page's WebGPU offers, or why there is none (asked once). */
  probe(): Promise<{ adapter: WebGpuAdapterInfo | null; error: string | null }> {
    this.probing ??= new Promise((resolve) => {
      this.answerProbe = resolve;
      this.post({ type: 'probe' });
    });
    return this.probing;
  }

  /** The run manager's launcher: a run trained on the page, as a WorkerJob. */
  readonly launch = (task: WorkerTask, onProgress: (message: WorkerToManager) => void): RunJob => {
    let hasExited = false;
    const outcome = jobOutcome<RunSummary>();
    let resolveExited!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExited = resolve));
    const run: HostRun = {
      task,
      onProgress,
      settle: (ended, exitCode) => {
        if (hasExited) return;
        hasExited = true;
        this.runs.delete(task.runId);
        if ('summary' in ended) outcome.succeed(ended.summary);
        else outcome.fail(ended.error);
        resolveExited(exitCode);
      },
    };
    const control = (message: ManagerToWorker | StopMessage) => {
      if (!hasExited) this.post({ type: 'control', runId: task.runId, message });
    };
    /** Abandoned, never killed: the page is asked to stop, and whatever it reports later is dropped. */
    const abandon = async () => {
      control(STOP_MESSAGE);
      run.settle({ error: new WorkerExitError(1, true) }, 1);
      await exited;
    };
    if (this.gone !== undefined) {
      run.settle({ error: new Error(`the GPU host page has ended (${this.gone})`) }, 1);
    } else {
      this.runs.set(task.runId, run);
      void this.start(task).catch((error: unknown) => {
        // the data set or the checkpoint could not be read here: the page never heard of the run
        run.settle({ error }, 1);
      });
    }
    return {
      result: outcome.result,
      exited,
      post: control,
      async stop(graceMs) {
        if (hasExited) return;
        await stopWithin(graceMs, () => control(STOP_MESSAGE), abandon, exited);
      },
      terminate: abandon,
    };
  };

  /** Asks the page to end its device once every run has ended; resolves when it has (or is gone). */
  release(): Promise<void> {
    if (this.gone !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.answerRelease = resolve;
      this.post({ type: 'release' });
    });
  }

  private async start(task: WorkerTask): Promise<void> {
    const dataset = await loadDataset(task.config.data);
    const resumeFrom = task.resumeFrom ? readCheckpoint(task.resumeFrom) : null;
    if (!this.runs.has(task.runId)) return;
    const message: MainToHost = { type: 'start', runId: task.runId, config: task.config, dataset, resumeFrom, allowSoftware: this.allowSoftware };
    this.post(message, [...datasetBuffers(dataset), ...(resumeFrom ? checkpointBuffers(resumeFrom) : [])]);
  }

  private post(message: MainToHost, transfer: ArrayBuffer[] = []): void {
    if (this.gone === undefined) this.connection.post(message, transfer);
  }

  private receive(data: unknown): void {
    let message: HostToMain;
    try {
      message = parseHostMessage(data);
    } catch (error) {
      // a report the store could not take as it is: its run fails (and is stopped) rather than record it
      const runId = (data as { runId?: unknown } | null)?.runId;
      const run = typeof runId === 'number' ? this.runs.get(runId) : undefined;
      if (run) this.failRun(run, error);
      return;
    }
    switch (message.type) {
      case 'adapter':
        this.answerProbe?.({ adapter: message.adapter, error: message.error });
        break;
      case 'released':
        this.answerRelease?.();
        break;
      case 'report': {
        // a run abandoned after its grace period (or never started here) is no longer listened to
        const run = this.runs.get(message.runId);
        if (run) this.report(run, message.report);
        break;
      }
    }
  }

  private report(run: HostRun, report: HostRunReport): void {
    try {
      switch (report.type) {
        case 'finished':
          run.settle({ summary: report.summary }, 0);
          return;
        case 'failed':
          run.settle({ error: new Error(report.message) }, 1);
          return;
        case 'checkpoint':
          run.onProgress(saveRunCheckpoint(run.task.runFolder, report.checkpoint));
          return;
        default:
          run.onProgress(report);
      }
    } catch (error) {
      // what the page computes could no longer be recorded (a full disk, a closed store)
      this.failRun(run, error);
    }
  }

  /** The run fails here with `error`; the page is asked to stop it, and what it reports later is dropped. */
  private failRun(run: HostRun, error: unknown): void {
    this.post({ type: 'control', runId: run.task.runId, message: STOP_MESSAGE });
    run.settle({ error }, 1);
  }
}
