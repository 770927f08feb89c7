/**
 * Pushing a run's metrics to its subscribers (a window, a browser, the CLI), throttled to what a screen can
 * show: at most one push per PUSH_INTERVAL_MS per run, however fast the steps come.
 *
 * Gap- and duplicate-free by construction: every subscriber has a cursor (the next step and epoch it needs).
 * It joins by reading the history from the store (everything written so far, since the manager writes before
 * it publishes), then each push sends only what lies past its cursor.
 */
import type { EpochMetrics, StepMetrics } from '../domain/index.js';
import type { RunInfo, RunStreamEvent, Unsubscribe } from '../store/records.js';
import type { StudioStore } from '../store/store.js';

export const PUSH_INTERVAL_MS = 50;
/** History is sent in slices so that one message never carries a whole long run. */
const HISTORY_SLICE = 5000;

interface Subscriber {
  listener: (event: RunStreamEvent) => void;
  nextStep: number;
  nextEpoch: number;
}

interface RunChannel {
  subscribers: Set<Subscriber>;
  steps: StepMetrics[];
  epochs: EpochMetrics[];
  runChanged: boolean;
  timer: NodeJS.Timeout | undefined;
  lastPush: number;
}

export class RunStreams {
  private readonly channels = new Map<number, RunChannel>();
  private readonly runListeners = new Set<(run: RunInfo) => void>();

  constructor(private readonly store: StudioStore) {}

  onRunUpdate(listener: (run: RunInfo) => void): Unsubscribe {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  subscribe(runId: number, afterStep: number, listener: (event: RunStreamEvent) => void): Unsubscribe {
    const run = this.store.getRun(runId);
    const channel = this.channel(runId);
    const subscriber: Subscriber = { listener, nextStep: Math.max(0, afterStep), nextEpoch: 0 };
    listener({ type: 'run', run });
    for (const epoch of this.store.epochs(runId)) {
      listener({ type: 'epoch', runId, epoch });
      subscriber.nextEpoch = epoch.epoch + 1;
    }
    for (;;) {
      const steps = this.store.stepsFrom(runId, subscriber.nextStep, HISTORY_SLICE);
      if (steps.length === 0) break;
      listener({ type: 'steps', runId, steps });
      subscriber.nextStep = steps[steps.length - 1]!.step + 1;
    }
    channel.subscribers.add(subscriber);
    return () => {
      channel.subscribers.delete(subscriber);
      this.dropIfIdle(runId, channel);
    };
  }

  /** Steps just written to the store. */
  publishSteps(runId: number, steps: StepMetrics[]): void {
    const channel = this.channel(runId);
    if (channel.subscribers.size > 0) channel.steps.push(...steps);
    channel.runChanged = true;
    this.schedule(runId, channel);
  }

  publishEpoch(runId: number, epoch: EpochMetrics): void {
    const channel = this.channel(runId);
    if (channel.subscribers.size > 0) channel.epochs.push(epoch);
    channel.runChanged = true;
    this.schedule(runId, channel);
  }

  /** A status change: pushed at once (after what is pending, so the order stays true). */
  publishRun(runId: number): void {
    const channel = this.channel(runId);
    channel.runChanged = true;
    this.push(runId, channel);
  }

  /** The run continues from a checkpoint at `step`: subscribers drop what came after and move their cursors back. */
  publishRewind(runId: number, step: number, epochsDone: number): void {
    const channel = this.channel(runId);
    this.push(runId, channel);
    for (const subscriber of channel.subscribers) {
      subscriber.nextStep = Math.min(subscriber.nextStep, step);
      subscriber.nextEpoch = Math.min(subscriber.nextEpoch, epochsDone);
      subscriber.listener({ type: 'rewind', runId, step, epochsDone });
    }
  }

  /** The run is gone: no more pushes for it. */
  forget(runId: number): void {
    const channel = this.channels.get(runId);
    if (channel?.timer) clearTimeout(channel.timer);
    this.channels.delete(runId);
  }

  close(): void {
    for (const runId of [...this.channels.keys()]) this.forget(runId);
    this.runListeners.clear();
  }

  private channel(runId: number): RunChannel {
    let channel = this.channels.get(runId);
    if (!channel) {
      channel = { subscribers: new Set(), steps: [], epochs: [], runChanged: false, timer: undefined, lastPush: 0 };
      this.channels.set(runId, channel);
    }
    return channel;
  }

  private schedule(runId: number, channel: RunChannel): void {
    if (channel.timer) return;
    const wait = Math.max(0, channel.lastPush + PUSH_INTERVAL_MS - performance.now());
    channel.timer = setTimeout(() => this.push(runId, channel), wait);
  }

  private push(runId: number, channel: RunChannel): void {
    if (channel.timer) clearTimeout(channel.timer);
    channel.timer = undefined;
    channel.lastPush = performance.now();
    const { steps, epochs } = channel;
    channel.steps = [];
    channel.epochs = [];
    const run = channel.runChanged ? this.store.findRun(runId) : undefined;
    channel.runChanged = false;
    for (const subscriber of channel.subscribers) {
      const fresh = steps.filter((s) => s.step >= subscriber.nextStep);
      if (fresh.length > 0) {
        subscriber.listener({ type: 'steps', runId, steps: fresh });
        subscriber.nextStep = fresh[fresh.length - 1]!.step + 1;
      }
      for (const epoch of epochs) {
        if (epoch.epoch < subscriber.nextEpoch) continue;
        subscriber.listener({ type: 'epoch', runId, epoch });
        subscriber.nextEpoch = epoch.epoch + 1;
      }
      if (run) subscriber.listener({ type: 'run', run });
    }
    if (run) for (const listener of this.runListeners) listener(run);
    this.dropIfIdle(runId, channel);
  }

  private dropIfIdle(runId: number, channel: RunChannel): void {
    if (channel.subscribers.size === 0 && !channel.timer && !channel.runChanged) this.channels.delete(runId);
  }
}
