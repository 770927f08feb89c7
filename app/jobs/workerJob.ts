/**
 * One job in its own worker thread, as the run manager, the analysis manager and the model export run
 * theirs: started with its task as workerData; every message the worker posts is either progress (handed to
 * `onProgress`) or the job's result (which settles `result`); a worker that throws, or exits (crashed,
 * terminated, or simply done) before giving a result, rejects `result` instead — never a result and a
 * failure both, never neither.
 *
 * Ending a job: `stop(graceMs)` asks first — it posts STOP_MESSAGE, which a worker answers by finishing
 * cleanly (the run worker writes a checkpoint and reports a stopped run) — and terminates only when the
 * worker has not exited after `graceMs`. A terminated worker is killed wherever it is, which a GPU backend
 * (WebGPU, mid-read) may not survive, so callers that can wait use stop() rather than terminate().
 */
import { Worker } from 'node:worker_threads';

/** What stop() posts: the run worker's own stop request (app/runs/protocol.ts), understood by every job worker. */
export const STOP_MESSAGE = { type: 'stop' } as const;
export type StopMessage = typeof STOP_MESSAGE;

/** The worker exited before it gave a result: on its own (`exitCode`), or because it was terminated. */
export class WorkerExitError extends Error {
  override name = 'WorkerExitError';

  constructor(
    readonly exitCode: number,
    readonly terminated: boolean,
  ) {
    super(terminated ? 'the worker was terminated before it gave a result' : `the worker exited (code ${exitCode}) before it gave a result`);
  }
}

export interface WorkerJobOptions<Message, Result> {
  /** The task, cloned into the worker as `workerData`. */
  workerData: unknown;
  /**
   * The job's result if `message` is it, else undefined (progress). May throw: the job then fails with that
   * error — how a worker that reports its own failure as a message is read.
   */
  resultOf(message: Message): Result | undefined;
  /**
   * Every message before the result that is not the result, in order. If it throws, the job fails with
   * that error and the worker is terminated (what it computes could no longer be recorded).
   */
  onProgress?(message: Message): void;
}

export interface WorkerJob<Result, Control> {
  /** Settles once: the result, or why there is none (the worker's own error, or a WorkerExitError). */
  readonly result: Promise<Result>;
  /** Resolves with the exit code once the thread has ended (after `result` has settled). */
  readonly exited: Promise<number>;
  /** Sends the worker a message (control: pause, unpause, stop …); ignored once it has exited. */
  post(message: Control | StopMessage): void;
  /** Asks the worker to stop (STOP_MESSAGE), terminates it after `graceMs` if it is still running, and resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
  /** Ends the worker at once (see the top of this file); resolves once it has exited. */
  terminate(): Promise<void>;
}

/** A job's result, settled once: the first of `succeed` and `fail` wins, the later calls are ignored. */
export interface JobOutcome<Result> {
  readonly result: Promise<Result>;
  readonly settled: boolean;
  succeed(value: Result): void;
  fail(error: unknown): void;
}

export function jobOutcome<Result>(): JobOutcome<Result> {
  let settled = false;
  let resolveResult!: (result: Result) => void;
  let rejectResult!: (error: unknown) => void;
  const result = new Promise<Result>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // a caller that waits only for `exited` (a job stopped on purpose) must not leave an unhandled rejection
  result.catch(() => {});
  return {
    result,
    get settled() {
      return settled;
    },
    succeed(value) {
      if (settled) return;
      settled = true;
      resolveResult(value);
    },
    fail(error) {
      if (settled) return;
      settled = true;
      rejectResult(error);
    },
  };
}

/** stop(graceMs) of a job: ask with `askToStop`, call `terminate` if it has not exited after `graceMs`, resolve once it has. */
export async function stopWithin(graceMs: number, askToStop: () => void, terminate: () => Promise<void>, exited: Promise<unknown>): Promise<void> {
  askToStop();
  const deadline = setTimeout(() => void terminate(), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(deadline);
  }
}

export function startWorkerJob<Message, Result, Control = never>(script: URL, options: WorkerJobOptions<Message, Result>): WorkerJob<Result, Control> {
  const worker = new Worker(script, { workerData: options.workerData });
  let terminating = false;
  let hasExited = false;
  const outcome = jobOutcome<Result>();
  const fail = outcome.fail;

  const exited = new Promise<number>((resolve) => {
    worker.once('exit', (code) => {
      hasExited = true;
      fail(new WorkerExitError(code, terminating));
      resolve(code);
    });
  });

  const terminate = async () => {
    if (hasExited) return;
    terminating = true;
    await worker.terminate();
    await exited;
  };

  worker.on('message', (message: Message) => {
    if (outcome.settled) return;
    let value: Result | undefined;
    try {
      value = options.resultOf(message);
      if (value === undefined) options.onProgress?.(message);
    } catch (error) {
      fail(error);
      void terminate();
      return;
    }
    if (value !== undefined) outcome.succeed(value);
  });
  // the worker's uncaught exception; 'exit' follows
  worker.on('error', fail);

  return {
    result: outcome.result,
    exited,
    post(message) {
      if (!hasExited) worker.postMessage(message);
    },
    async stop(graceMs) {
      if (hasExited) return;
      await stopWithin(graceMs, () => worker.postMessage(STOP_MESSAGE), terminate, exited);
    },
    terminate,
  };
}

/** "RangeError: …" for an error a worker threw ("…" alone for a plain Error), as the studio records failures. */
export function failureMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
}
