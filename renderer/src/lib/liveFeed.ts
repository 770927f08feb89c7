/**
 * Curves of one or more runs, kept live: the history first, downsampled by the service (metricSeries with
 * maxPoints), then each run's stream from the last step loaded (subscribeRun with afterStep). Incoming
 * events are batched and applied once per animation frame, followed by one `onChange`, so charts redraw at
 * most once per frame however fast steps arrive.
 */
import { EPOCH_SERIES, STEP_SERIES } from './contract.js';
import type { RunInfo, RunStreamEvent, SeriesName, StudioApi, Unsubscribe } from './contract.js';
import { FrameBatcher } from './frameBatcher.js';
import { RunSeries } from './runSeries.js';

export const ALL_SERIES: readonly SeriesName[] = [...STEP_SERIES, ...EPOCH_SERIES];

export interface LiveFeedOptions {
  /** Points per curve asked of the service for the history. */
  maxPoints: number;
  /** After a batch of events (or the history) was applied. */
  onChange: () => void;
  /** A run's status or progress changed (the newest state per run and frame). */
  onRun?: (run: RunInfo) => void;
  /** A run's stream failed (the run was deleted, or the service refused it): its curves stop following it. */
  onError: (error: Error) => void;
}

export class LiveFeed {
  readonly runs = new Map<number, RunSeries>();
  #unsubscribes: Unsubscribe[] = [];
  #closed = false;
  readonly #batcher = new FrameBatcher<RunStreamEvent>((events) => this.#applyAll(events));

  constructor(
    private readonly api: StudioApi,
    private readonly options: LiveFeedOptions,
  ) {}

  /** Loads the runs' history, then follows their streams. Resolves once the history is in. */
  async open(runIds: readonly number[]): Promise<void> {
    if (runIds.length === 0) return;
    const history = await this.api.metricSeries({ runIds: [...runIds], series: [...ALL_SERIES], maxPoints: this.options.maxPoints });
    if (this.#closed) return;
    for (const runId of runIds) {
      const run = new RunSeries(runId);
      run.loadHistory(history);
      this.runs.set(runId, run);
    }
    this.options.onChange();
    for (const runId of runIds) {
      const afterStep = this.runs.get(runId)!.lastStep;
      const stop = this.api.subscribeRun(
        runId,
        { afterStep },
        (event) => this.#batcher.push(event),
        (error) => {
          if (!this.#closed) this.options.onError(error);
        },
      );
      this.#unsubscribes.push(stop);
    }
  }

  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribes) unsubscribe();
    this.#unsubscribes = [];
    this.#batcher.cancel();
  }

  #applyAll(events: RunStreamEvent[]): void {
    if (this.#closed) return;
    const latestRuns = new Map<number, RunInfo>();
    for (const event of events) {
      if (event.type === 'run') {
        latestRuns.set(event.run.id, event.run);
        continue;
      }
      this.runs.get(event.runId)?.apply(event);
    }
    for (const run of latestRuns.values()) this.options.onRun?.(run);
    this.options.onChange();
  }
}
