/**
 * Two clicks for what cannot be undone (deleting a run or a study and its history): the first click arms
 * the button for a few seconds and does nothing else; only a second one while it is armed goes ahead. One
 * button armed at a time, named by a key (a run's or a study's id), so arming another disarms the first.
 */
export const ARMED_MS = 4000;

export class TwoClick<Key> {
  #armed = $state<Key | null>(null);

  isArmed(key: Key): boolean {
    return this.#armed === key;
  }

  /** True when `key` was armed: this click confirms. Otherwise arms `key` (for ARMED_MS) and answers false. */
  confirm(key: Key): boolean {
    if (this.#armed === key) return true;
    this.#armed = key;
    setTimeout(() => {
      if (this.#armed === key) this.#armed = null;
    }, ARMED_MS);
    return false;
  }

  disarm(): void {
    this.#armed = null;
  }
}
