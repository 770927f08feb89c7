/**
 * Who waits for a run to end (`waitForEnd`), told once it has. Shared by the run manager and the job queue's
 * consumer (app/queue/remoteRuns.ts): a caller waits the same way wherever the run trains.
 */
import { ACTIVE_STATUSES } from '../domain/index.js';
import type { RunInfo } from '../store/records.js';
import type { StudioStore } from '../store/store.js';

export class RunEnds {
  private readonly waiters = new Map<number, ((run: RunInfo) => void)[]>();

  constructor(private readonly store: StudioStore) {}

  /** Resolves with the run once it is no longer queued, running or paused (at once when it already is not). */
  wait(runId: number): Promise<RunInfo> {
    const run = this.store.getRun(runId);
    if (!ACTIVE_STATUSES.includes(run.status)) return Promise.resolve(run);
    return new Promise((resolve) => this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), resolve]));
  }

  /** Tells the run's waiters where it stands now (its end, or the studio no longer following it). */
  notify(runId: number): void {
    const waiters = this.waiters.get(runId);
    if (!waiters) return;
    this.waiters.delete(runId);
    const run = this.store.getRun(runId);
    for (const resolve of waiters) resolve(run);
  }

  notifyAll(): void {
    for (const runId of [...this.waiters.keys()]) this.notify(runId);
  }
}
