/**
 * Collects items (stream events) and hands them over together once per animation frame, so a burst of
 * events costs one redraw. A hidden page gets no animation frames; it flushes on a slow timer instead so
 * the queue stays short.
 */
export class FrameBatcher<Item> {
  #queue: Item[] = [];
  #frame: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly flush: (items: Item[]) => void) {}

  push(item: Item): void {
    this.#queue.push(item);
    if (this.#frame !== null || this.#timer !== null) return;
    if (document.hidden) this.#timer = setTimeout(() => this.#run(), 500);
    else this.#frame = requestAnimationFrame(() => this.#run());
  }

  cancel(): void {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#frame = null;
    this.#timer = null;
    this.#queue = [];
  }

  #run(): void {
    this.#frame = null;
    this.#timer = null;
    const items = this.#queue;
    this.#queue = [];
    if (items.length > 0) this.flush(items);
  }
}
