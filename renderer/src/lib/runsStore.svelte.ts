/**
 * Every run, kept current: listed once, then patched from onRunUpdate (batched per animation frame), and
 * listed again after a reconnection since updates may have been missed. Also holds the runs picked for
 * Compare, so the selection survives switching screens.
 */
import { getApi, onReconnect } from './api.js';
import { messageOf } from './errors.js';
import type { RunInfo } from './contract.js';
import { FrameBatcher } from './frameBatcher.js';

class RunsStore {
  runs = $state.raw<RunInfo[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Why the subscription to run updates failed, if it did. */
  updatesError = $state<string | null>(null);
  selected = $state<number[]>([]);

  readonly #updates = new FrameBatcher<RunInfo>((updates) => this.#applyUpdates(updates));

  start(): () => void {
    const api = getApi();
    void this.reload();
    const stopUpdates = api.onRunUpdate(
      (run) => this.#updates.push(run),
      // shown above the runs: the list no longer follows changes (the page must be reloaded)
      (error) => (this.updatesError = messageOf(error)),
    );
    const stopReconnect = onReconnect(() => void this.reload());
    return () => {
      stopUpdates();
      stopReconnect();
      this.#updates.cancel();
    };
  }

  async reload(): Promise<void> {
    try {
      this.runs = await getApi().listRuns();
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = messageOf(error);
    }
  }

  get(runId: number): RunInfo | undefined {
    return this.runs.find((run) => run.id === runId);
  }

  /** A fresher copy of one run (e.g. the answer to pauseRun). */
  put(run: RunInfo): void {
    this.#applyUpdates([run]);
  }

  forget(runIds: readonly number[]): void {
    this.runs = this.runs.filter((run) => !runIds.includes(run.id));
    this.selected = this.selected.filter((id) => !runIds.includes(id));
  }

  toggleSelected(runId: number): void {
    this.selected = this.selected.includes(runId) ? this.selected.filter((id) => id !== runId) : [...this.selected, runId];
  }

  #applyUpdates(updates: RunInfo[]): void {
    const byId = new Map(this.runs.map((run) => [run.id, run]));
    for (const run of updates) byId.set(run.id, run);
    this.runs = [...byId.values()];
  }
}

export const runsStore = new RunsStore();
