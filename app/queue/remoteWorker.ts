/**
 * The worker side of the job queue (`fsam-studio worker --queue URL`): takes run jobs from BullMQ, at most
 * `concurrency` at once, and trains each in a worker thread — the local manager's own (app/runs/worker.ts,
 * through app/jobs/workerJob.ts) — in a temporary folder whose checkpoints it ships to the studio as bytes.
 *
 * Its events go to the studio's Redis stream in order: ioredis queues commands while Redis is away and sends
 * them once it is back, so a worker that loses Redis keeps training and flushes what it buffered. A run's
 * latest checkpoint is also kept in Redis, so that a replacement worker (after a kill -9, when BullMQ's
 * stalled-job check hands the job on) resumes it even while the studio is closed. Ctrl+C stops each run with a
 * checkpoint and returns its job to the queue (not failed), for this or another worker to continue.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { bullConnection } from './queueUrl.js';
import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureMessage, startWorkerJob } from '../jobs/workerJob.js';
import type { ManagerToWorker, WorkerTask, WorkerToManager } from '../runs/protocol.js';
import type { RunSummary } from '../training/trainer.js';
import { encodeEvent, type RemoteEvent } from './events.js';
import { controlMessageSchema, keys, parseRunJob, QUEUE_NAME, QUEUE_PREFIX, type RunJob } from './jobs.js';
import { describeQueueError, type QueueUrl } from './queueUrl.js';

const WORKER_URL = new URL('../runs/worker.js', import.meta.url);
/** How long a stopping run gets to write its checkpoint before its thread is terminated. */
const STOP_GRACE_MS = 30_000;

export interface RemoteWorkerOptions {
  queue: QueueUrl;
  concurrency: number;
  /** BullMQ's lock on an active job; a worker that stops renewing it (killed) loses the job after this. */
  lockDurationMs?: number;
  /** How often BullMQ looks for jobs whose lock expired, to hand them to another worker. */
  stalledIntervalMs?: number;
  /** Told what the worker does ("run 3 started", "refused job …"). */
  log?: (line: string) => void;
}

interface ActiveJob {
  job: RunJob;
  post(message: ManagerToWorker): void;
  stop(): Promise<void>;
}

export class RemoteWorker {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly worker: Worker;
  private readonly active = new Map<string, ActiveJob>();
  private readonly subscribed = new Set<string>();
  private shuttingDown = false;
  private readonly log: (line: string) => void;
  /** Events are sent in the order they were made, one after the other (ordered even across a reconnect). */
  private sending: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: RemoteWorkerOptions) {
    this.log = options.log ?? (() => {});
    this.redis = new Redis(options.queue.connection);
    this.subscriber = new Redis(options.queue.connection);
    this.subscriber.on('message', (_channel: string, text: string) => this.onControl(text));
    for (const connection of [this.redis, this.subscriber]) connection.on('error', () => {}); // reconnects by itself; reported through the calls that fail
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: bullConnection(options.queue),
      prefix: QUEUE_PREFIX,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // a job handed on after a kill is resumed from its checkpoint, however often that happens
      maxStalledCount: 1000,
    });
    this.worker.on('error', () => {});
  }

  /** Connects (a wrong password or no server is refused here, in words) and starts taking jobs. */
  static async start(options: RemoteWorkerOptions): Promise<RemoteWorker> {
    const worker = new RemoteWorker(options);
    try {
      await worker.redis.ping();
    } catch (error) {
      await worker.close();
      throw new Error(describeQueueError(error, options.queue));
    }
    void worker.worker.run();
    return worker;
  }

  /** Ctrl+C: every run stops with a checkpoint and its job goes back to the queue; then the connections close. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.active.values()].map((active) => active.stop()));
    await this.close();
  }

  private async close(): Promise<void> {
    await this.worker.close().catch(() => {});
    await this.sending.catch(() => {});
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  private send(studioId: string, envelope: { runId: number; attempt: number; event: RemoteEvent }): Promise<unknown> {
    const fields = encodeEvent(envelope);
    return this.inOrder(envelope.runId, () => this.redis.xadd(keys.events(studioId), '*', ...fields));
  }

  /**
   * Runs a Redis write after every earlier one. A failure is logged and the chain goes on: it must neither
   * skip the writes after it nor be left as an unhandled rejection.
   */
  private inOrder(runId: number, write: () => Promise<unknown>): Promise<unknown> {
    this.sending = this.sending.then(write).catch((error: unknown) => this.log(`could not send an event of run ${runId}: ${describeQueueError(error, this.options.queue)}`));
    return this.sending;
  }

  private onControl(text: string): void {
    let message;
    try {
      message = controlMessageSchema.parse(JSON.parse(text));
    } catch {
      return; // not ours to act on
    }
    for (const active of this.active.values()) {
      if (active.job.runId !== message.runId) continue;
      if (message.command === 'pause') active.post({ type: 'pause' });
      else if (message.command === 'run') active.post({ type: 'unpause' });
      else void active.stop();
    }
  }

  private async process(job: Job, token: string | undefined): Promise<string> {
    let payload: RunJob;
    try {
      payload = parseRunJob(job.data);
    } catch (error) {
      // never retried: a payload that does not validate will not validate next time either
      const reason = `refused job ${job.id}: ${(error as Error).message}`;
      this.log(reason);
      throw new UnrecoverableError(reason);
    }
    const { studioId, runId, attempt } = payload;
    const send = (event: RemoteEvent) => this.send(studioId, { runId, attempt, event });
    if (!this.subscribed.has(studioId)) {
      await this.subscriber.subscribe(keys.controlChannel(studioId));
      this.subscribed.add(studioId);
    }
    if ((await this.redis.get(keys.control(studioId, runId))) === 'stop') {
      await send({ type: 'status', body: { status: 'stopped', message: 'stopped before a worker started it' } });
      return 'stopped';
    }
    const folder = mkdtempSync(join(tmpdir(), `fsam-worker-run-${runId}-`));
    try {
      const checkpoint = await this.redis.getBuffer(keys.checkpoint(studioId, runId));
      const resumeFrom = checkpoint ? join(folder, 'resume.ckpt') : null;
      if (resumeFrom) writeFileSync(resumeFrom, checkpoint!);
      const summary = await this.train(payload, folder, resumeFrom, send);
      if (this.shuttingDown && summary.status === 'stopped') {
        await send({ type: 'status', body: { status: 'queued', message: `the worker on ${hostname()} was stopped; the run waits in the queue for a worker and continues from its checkpoint` } });
        await this.sending;
        // back to the queue, not failed: BullMQ's documented way for a processor to hand its job back
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      await send({ type: 'status', body: { status: summary.status, message: summary.message } });
      await this.sending;
      this.log(`run ${runId}: ${summary.status}${summary.message ? ` (${summary.message})` : ''}`);
      return summary.status;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      await send({ type: 'status', body: { status: 'failed', message: failureMessage(error) } });
      await this.sending;
      throw new UnrecoverableError(failureMessage(error));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  /** One run in a worker thread; its reports become events, its checkpoints bytes (in Redis and in the stream). */
  private async train(payload: RunJob, folder: string, resumeFrom: string | null, send: (event: RemoteEvent) => Promise<unknown>): Promise<RunSummary> {
    const { studioId, runId, config } = payload;
    const task: WorkerTask = { runId, config, runFolder: folder, resumeFrom };
    const host = hostname();
    const thread = startWorkerJob<WorkerToManager, RunSummary, ManagerToWorker>(WORKER_URL, {
      workerData: task,
      resultOf: (message) => (message.type === 'finished' ? message.summary : undefined),
      onProgress: (message) => {
        switch (message.type) {
          case 'started':
            this.log(`run ${runId}: training on ${message.backend}${message.resumedAtStep > 0 ? `, resumed at step ${message.resumedAtStep}` : ''}`);
            void send({ type: 'started', body: { host, backend: message.backend, device: message.device, parameterCount: message.parameterCount, stepsPerEpoch: message.stepsPerEpoch, totalSteps: message.totalSteps, classNames: message.classNames, resumedAtStep: message.resumedAtStep } });
            break;
          case 'steps':
            void send({ type: 'steps', body: { steps: message.steps } });
            break;
          case 'epoch':
            void send({ type: 'epoch', body: { epoch: message.epoch } });
            break;
          case 'checkpoint': {
            const data = readFileSync(message.path);
            rmSync(message.path, { force: true });
            // the key first: a replacement worker resumes from the newest checkpoint even if the event is still buffered
            void this.inOrder(runId, () => this.redis.set(keys.checkpoint(studioId, runId), data));
            void send({ type: 'checkpoint', body: { step: message.step }, data });
            break;
          }
        }
      },
    });
    const id = `${studioId}-${runId}`;
    let stopping: Promise<void> | undefined;
    this.active.set(id, { job: payload, post: (message) => thread.post(message), stop: () => (stopping ??= (thread.post({ type: 'unpause' }), thread.stop(STOP_GRACE_MS))) });
    try {
      // a run paused while it waited in the queue starts paused
      if ((await this.redis.get(keys.control(studioId, runId))) === 'pause') thread.post({ type: 'pause' });
      return await thread.result;
    } finally {
      this.active.delete(id);
      await thread.exited;
    }
  }
}
