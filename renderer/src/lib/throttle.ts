/**
 * At most one call per interval, and never two at once: a request while waiting or while the last call is
 * still running is folded into one call after it, so the newest state is always fetched in the end. The
 * study view uses it to re-fetch getStudy as run updates stream in.
 */
export interface ThrottleClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const browserClock: ThrottleClock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Throttle {
  #lastStart = Number.NEGATIVE_INFINITY;
  #timer: unknown = null;
  #running = false;
  #pending = false;
  #cancelled = false;

  constructor(
    private readonly call: () => Promise<void> | void,
    private readonly intervalMs: number,
    private readonly clock: ThrottleClock = browserClock,
  ) {}

  request(): void {
    if (this.#cancelled) return;
    this.#pending = true;
    this.#schedule();
  }

  /** No call starts after this (one already running finishes). */
  cancel(): void {
    this.#cancelled = true;
    this.#pending = false;
    if (this.#timer !== null) this.clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (!this.#pending || this.#running || this.#timer !== null || this.#cancelled) return;
    const wait = this.#lastStart + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      void this.#run();
      return;
    }
    this.#timer = this.clock.setTimer(() => {
      this.#timer = null;
      this.#schedule();
    }, wait);
  }

  async #run(): Promise<void> {
    this.#pending = false;
    this.#running = true;
    this.#lastStart = this.clock.now();
    try {
      await this.call();
    } catch {
      // the caller handles its own failures; a throw must not stop later calls
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }
}
