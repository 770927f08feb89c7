/**
 * When live charts redraw. A screen shows a dozen charts; redrawing all of them in the frame the data
 * arrived takes longer than a frame on a modest machine, so the page stutters while runs stream. Instead each
 * chart asks for a redraw here and the scheduler spreads the work: a few milliseconds of redrawing per
 * animation frame (always at least one chart, so nothing starves), and one chart at most every
 * LIVE_REDRAW_INTERVAL_MS while data streams in (a curve growing four times a second reads as live).
 * Redraws the user asked for (zoom, legend, theme) do not come through here: they happen at once.
 */

/** Milliseconds of redrawing per animation frame, out of the 16.7 ms a 60 Hz frame has. */
export const FRAME_BUDGET_MS = 6;
/** The shortest time between two live redraws of one chart. */
export const LIVE_REDRAW_INTERVAL_MS = 250;

interface PendingRedraw {
  draw: () => void;
  notBefore: number;
}

export interface SchedulerClock {
  now(): number;
  requestFrame(callback: () => void): void;
}

const browserClock: SchedulerClock = {
  now: () => performance.now(),
  requestFrame: (callback) => void requestAnimationFrame(callback),
};

export class RedrawScheduler {
  /** In request order (a Map keeps a key's first position when its value is replaced): oldest first. */
  readonly #pending = new Map<object, PendingRedraw>();
  readonly #lastDrawn = new WeakMap<object, number>();
  #frameRequested = false;

  constructor(
    private readonly clock: SchedulerClock = browserClock,
    private readonly budgetMs = FRAME_BUDGET_MS,
    private readonly intervalMs = LIVE_REDRAW_INTERVAL_MS,
  ) {}

  /**
   * Redraws `owner` with `draw` soon; a newer request replaces one still pending, so only the latest data is
   * drawn. `first`: the chart shows nothing yet (its data has just arrived), so it is not held back by the
   * live interval, only by the frame budget.
   */
  request(owner: object, draw: () => void, first = false): void {
    const last = this.#lastDrawn.get(owner);
    const notBefore = first ? 0 : (this.#pending.get(owner)?.notBefore ?? (last === undefined ? 0 : last + this.intervalMs));
    this.#pending.set(owner, { draw, notBefore });
    this.#requestFrame();
  }

  /** Forgets a pending redraw (the chart is gone). */
  cancel(owner: object): void {
    this.#pending.delete(owner);
  }

  /** Redraws waiting for their turn. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  #requestFrame(): void {
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    this.clock.requestFrame(() => this.#runFrame());
  }

  #runFrame(): void {
    this.#frameRequested = false;
    const frameStart = this.clock.now();
    let drawn = 0;
    for (const [owner, pending] of this.#pending) {
      const now = this.clock.now();
      if (drawn > 0 && now - frameStart >= this.budgetMs) break;
      if (pending.notBefore > now) continue;
      this.#pending.delete(owner);
      try {
        pending.draw();
      } catch (error) {
        // one broken chart must not stop the others from drawing
        console.error('A chart could not be redrawn:', error);
      }
      this.#lastDrawn.set(owner, this.clock.now());
      drawn += 1;
    }
    if (this.#pending.size > 0) this.#requestFrame();
  }
}

/** The one scheduler every chart of the page shares, so the budget is the page's, not each chart's. */
export const chartRedraws = new RedrawScheduler();
