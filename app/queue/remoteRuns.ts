/**
 * The studio side of the job queue: runs placed on the queue are handed to BullMQ as jobs, and what remote
 * workers report comes back through the studio's Redis stream. This process stays the store's only writer:
 * each event is applied — with the same code as a local worker's report (app/runs/recording.ts) — in one
 * transaction with the stream cursor (app/store/queueCursors.ts), so a studio reopened after it was closed
 * catches up from the last event it applied: nothing dropped, nothing applied twice. Steps and epochs the
 * store already holds (a repeated delivery) are skipped; a run resumed by a replacement worker rewinds to
 * that worker's checkpoint, as a local resume does.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVE_STATUSES, RESUMABLE_STATUSES, type RunStatus } from '../domain/index.js';
import { recordStatus, recordWorkerReport } from '../runs/recording.js';
import { RunEnds } from '../runs/runEnds.js';
import type { RunStreams } from '../runs/streams.js';
import type { RunInfo } from '../store/records.js';
import type { StudioStore } from '../store/store.js';
import { usableConfig } from '../store/storedConfig.js';
import { writeCheckpointBytes } from '../training/checkpoint.js';
import { StateError } from '../validation.js';
import { decodeEvent, type RemoteEnvelope } from './events.js';
import { keys, QUEUE_NAME, QUEUE_PREFIX, runJobId, type ControlCommand } from './jobs.js';
import { bullConnection, describeQueueError, type QueueUrl } from './queueUrl.js';

/** How long one XREAD waits for events before it checks whether the studio is closing. */
const READ_BLOCK_MS = 1000;
const READ_COUNT = 200;
/** How long delete() waits for a training run's worker to stop it before the run is forgotten anyway. */
const DELETE_WAIT_MS = 30_000;
/** How long ready() waits for Redis to answer before the queue is refused as unreachable. */
const READY_TIMEOUT_MS = 10_000;

export class RemoteRuns {
  readonly studioId: string;
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly queue: Queue;
  private readonly ends: RunEnds;
  private closed = false;
  private readonly consuming: Promise<void>;

  constructor(
    private readonly store: StudioStore,
    private readonly streams: RunStreams,
    readonly queueUrl: QueueUrl,
  ) {
    this.studioId = store.queueCursors.open(queueUrl.redacted).studioId;
    this.ends = new RunEnds(store);
    this.redis = new Redis(queueUrl.connection);
    this.reader = new Redis(queueUrl.connection);
    for (const connection of [this.redis, this.reader]) connection.on('error', () => {}); // ioredis reconnects; the calls that fail say why
    this.queue = new Queue(QUEUE_NAME, { connection: bullConnection(queueUrl), prefix: QUEUE_PREFIX });
    this.queue.on('error', () => {});
    this.consuming = this.consume();
  }

  /**
   * Checks that Redis answers at `queueUrl` with a connection of its own, closed again: a queue chosen in
   * Settings is tried before anything (a consumer, a cursor row) is opened for it. Refused in words, the URL
   * redacted.
   */
  static async probe(queueUrl: QueueUrl, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const probe = new Redis({ ...queueUrl.connection, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // the connection's own error says why (WRONGPASS, ECONNREFUSED); the call that failed only says "Connection is closed"
    let cause: unknown;
    probe.on('error', (error) => (cause ??= error));
    try {
      await probe.connect();
      await probe.ping();
    } catch (error) {
      throw new StateError(describeQueueError(cause ?? error, queueUrl));
    } finally {
      probe.disconnect();
    }
  }

  /**
   * Resolves once Redis answers; a wrong password or no server is refused in words (the URL redacted).
   * Bounded: with BullMQ's maxRetriesPerRequest null a PING to an address where nothing listens would wait
   * for ever, so the connection's first error (ECONNREFUSED, WRONGPASS) or the time limit decides first.
   */
  async ready(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    let settle = () => {};
    const failed = new Promise<never>((_resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ETIMEDOUT: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      this.redis.once('error', reject);
      settle = () => {
        clearTimeout(timer);
        this.redis.off('error', reject);
      };
    });
    try {
      await Promise.race([this.redis.ping(), failed]);
    } catch (error) {
      throw new StateError(describeQueueError(error, this.queueUrl));
    } finally {
      settle();
    }
  }

  /** Whether the studio's connection to Redis is up now (ioredis reconnects by itself when it is not). */
  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** Hands a run (stored as queued, placement 'queue') to the queue as its next attempt. */
  async enqueue(runId: number): Promise<void> {
    const run = this.store.getRun(runId);
    const attempt = this.store.nextAttempt(runId);
    await this.redis.del(keys.control(this.studioId, runId));
    const payload = { studioId: this.studioId, runId, attempt, config: usableConfig(run) };
    await this.queue.add('run', payload, { jobId: runJobId(payload), removeOnComplete: true, removeOnFail: 1000 });
    this.streams.publishRun(runId);
  }

  async pause(runId: number): Promise<RunInfo> {
    const run = this.store.getRun(runId);
    if (run.status !== 'running') throw new StateError(`Run ${runId} is ${run.status}; only a running run can be paused`);
    await this.control(runId, 'pause');
    return this.transition(runId, 'paused', null);
  }

  /** A paused run continues on its worker; a stopped, interrupted or failed one goes back to the queue from its checkpoint. */
  async resume(runId: number): Promise<RunInfo> {
    const run = this.store.getRun(runId);
    if (run.status === 'paused') {
      await this.control(runId, 'run');
      return this.transition(runId, 'running', null);
    }
    if (!RESUMABLE_STATUSES.includes(run.status)) throw new StateError(`Run ${runId} is ${run.status}; only ${RESUMABLE_STATUSES.join(', ')} runs can be resumed`);
    usableConfig(run);
    const checkpoint = this.store.latestCheckpoint(runId);
    const step = checkpoint?.step ?? 0;
    const epochsDone = run.stepsPerEpoch ? Math.floor(step / run.stepsPerEpoch) : 0;
    // the worker that takes it resumes from what the studio holds, not from a later checkpoint it never received
    if (checkpoint) await this.redis.set(keys.checkpoint(this.studioId, runId), readFileSync(checkpoint.path));
    else await this.redis.del(keys.checkpoint(this.studioId, runId));
    this.store.rewindTo(runId, step, epochsDone);
    this.streams.publishRewind(runId, step, epochsDone);
    this.transition(runId, 'queued', checkpoint ? `resumed from the checkpoint after step ${step}` : 'restarted from the beginning (no checkpoint yet)');
    await this.enqueue(runId);
    return this.store.getRun(runId);
  }

  /** Ends a run: one still waiting for a worker leaves the queue; a training one stops with a checkpoint on its worker. */
  async stop(runId: number): Promise<RunInfo> {
    const run = this.store.getRun(runId);
    if (!ACTIVE_STATUSES.includes(run.status)) throw new StateError(`Run ${runId} is ${run.status}; there is nothing to stop`);
    await this.control(runId, 'stop');
    const job = await this.queue.getJob(runJobId({ studioId: this.studioId, runId, attempt: run.queueAttempt }));
    const state = job ? await job.getState() : undefined;
    if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
      await job.remove().catch(() => {});
      this.transition(runId, 'stopped', 'stopped before a worker started it');
      this.ends.notify(runId);
    }
    return this.store.getRun(runId);
  }

  /** Stops the run if it trains, then forgets it here and in Redis. */
  async delete(runId: number): Promise<void> {
    const run = this.store.getRun(runId);
    if (ACTIVE_STATUSES.includes(run.status)) {
      await this.stop(runId);
      // a worker that does not answer in time is not waited for: its later events name a run that no longer exists and are skipped
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.waitForEnd(runId), new Promise<void>((resolve) => (timer = setTimeout(resolve, DELETE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const job = await this.queue.getJob(runJobId({ studioId: this.studioId, runId, attempt: run.queueAttempt }));
    await job?.remove().catch(() => {});
    await this.redis.del(keys.checkpoint(this.studioId, runId), keys.control(this.studioId, runId));
    this.streams.forget(runId);
    this.store.deleteRun(runId);
  }

  waitForEnd(runId: number): Promise<RunInfo> {
    return this.ends.wait(runId);
  }

  /** Stops reading events and disconnects; the workers go on, and the next open catches up with them. */
  async close(): Promise<void> {
    this.closed = true;
    this.reader.disconnect();
    await this.consuming;
    // whoever follows a run is told where it stands now: it goes on training, but this studio no longer follows it
    this.ends.notifyAll();
    await this.queue.close().catch(() => {});
    this.redis.disconnect();
  }

  private async control(runId: number, command: ControlCommand): Promise<void> {
    if (command === 'run') await this.redis.del(keys.control(this.studioId, runId));
    else await this.redis.set(keys.control(this.studioId, runId), command);
    await this.redis.publish(keys.controlChannel(this.studioId), JSON.stringify({ runId, command }));
  }

  private async consume(): Promise<void> {
    const stream = keys.events(this.studioId);
    while (!this.closed) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        const { lastEventId } = this.store.queueCursors.open(this.queueUrl.redacted);
        reply = (await this.reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', stream, lastEventId)) as typeof reply;
      } catch (error) {
        if (this.closed) return;
        void error; // a lost connection: ioredis reconnects, and the read is tried again from the same cursor
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      try {
        for (const [, entries] of reply ?? []) for (const [id, fields] of entries) this.applyEntry(id.toString('utf8'), fields);
      } catch (error) {
        // not applied (its transaction rolled back, the cursor with it): read again after a pause, never skipped
        console.error(`fsam-studio: a queue event could not be recorded, retrying: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** One stream entry and the cursor past it, in one transaction; an entry that does not validate is skipped. */
  private applyEntry(id: string, fields: Buffer[]): void {
    let envelope: RemoteEnvelope | undefined;
    try {
      envelope = decodeEvent(fields);
    } catch {
      envelope = undefined; // someone else's write to our stream: not applied, and not read again
    }
    const ended = this.store.transaction(() => {
      const result = envelope ? this.apply(envelope) : false;
      this.store.queueCursors.advance(this.queueUrl.redacted, id);
      return result;
    });
    if (ended && envelope) this.ends.notify(envelope.runId);
  }

  /** Applies one event to its run; true when the run has ended. Events of a deleted run, or of an earlier attempt, are skipped. */
  private apply({ runId, attempt, event }: RemoteEnvelope): boolean {
    const run = this.store.findRun(runId);
    if (!run || run.placement !== 'queue' || attempt < run.queueAttempt) return false;
    switch (event.type) {
      case 'started': {
        const { host, resumedAtStep, ...start } = event.body;
        if (run.step > resumedAtStep) {
          // a replacement worker continues from an earlier checkpoint: what came after it is trained again
          const epochsDone = start.stepsPerEpoch ? Math.floor(resumedAtStep / start.stepsPerEpoch) : 0;
          this.store.rewindTo(runId, resumedAtStep, epochsDone);
          this.streams.publishRewind(runId, resumedAtStep, epochsDone);
        }
        this.store.setWorkerHost(runId, host);
        recordWorkerReport(this.store, this.streams, runId, { type: 'started', resumedAtStep, ...start });
        if (run.status !== 'paused') this.transition(runId, 'running', run.status === 'queued' ? run.message : null);
        return false;
      }
      case 'steps': {
        // a repeated delivery (or what a replaced worker sent past its last checkpoint) is already recorded
        const steps = event.body.steps.filter((step) => step.step >= run.step);
        if (steps.length > 0 && steps[0]!.step === run.step) recordWorkerReport(this.store, this.streams, runId, { type: 'steps', steps });
        return false;
      }
      case 'epoch':
        if (event.body.epoch.epoch >= run.epochsDone) recordWorkerReport(this.store, this.streams, runId, { type: 'epoch', epoch: event.body.epoch });
        return false;
      case 'checkpoint': {
        const folder = this.store.runFolder(runId);
        mkdirSync(folder, { recursive: true });
        const path = join(folder, `checkpoint-step-${event.body.step}.ckpt`);
        const bytes = writeCheckpointBytes(path, event.data);
        recordWorkerReport(this.store, this.streams, runId, { type: 'checkpoint', path, bytes, step: event.body.step });
        return false;
      }
      case 'status': {
        const { status, message } = event.body;
        this.transition(runId, status, message);
        return !ACTIVE_STATUSES.includes(status);
      }
    }
  }

  private transition(runId: number, status: RunStatus, message: string | null): RunInfo {
    return recordStatus(this.store, this.streams, runId, status, message);
  }
}
