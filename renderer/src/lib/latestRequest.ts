/**
 * Requests that overlap while the user types (the service's checks of a form): only the latest one's outcome
 * counts. An older answer that arrives after a newer request began is dropped, so a slow check of what the
 * form said a moment ago never overwrites the check of what it says now.
 */
import { messageOf } from './errors.js';

export type RequestOutcome<T> = { value: T; error: null } | { value: null; error: string };

export class LatestRequest {
  #sequence = 0;

  /**
   * Runs `request` and hands its answer, or the message of its failure, to `settle` unless a later request
   * began meanwhile. Resolves once the outcome is handed on or dropped; never rejects with `request`'s failure.
   */
  async run<T>(request: () => Promise<T>, settle: (outcome: RequestOutcome<T>) => void): Promise<void> {
    const sequence = ++this.#sequence;
    let outcome: RequestOutcome<T>;
    try {
      outcome = { value: await request(), error: null };
    } catch (error) {
      outcome = { value: null, error: messageOf(error) };
    }
    if (sequence === this.#sequence) settle(outcome);
  }
}
