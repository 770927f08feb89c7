/** Small runs for tests of the store, the run manager and the service: seconds, not minutes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from '../../app/training/config.js';

export const TINY_DATA = { name: 'shapes10', trainCount: 256, testCount: 64, size: 12, channels: 1 } as const;

/** An MLP on 256 tiny images: 8 steps per epoch of batch 32. */
export function tinyRunConfig(overrides: Partial<TrainConfigInput> = {}): TrainConfig {
  return parseTrainConfig({
    data: TINY_DATA,
    model: 'mlp',
    epochs: 2,
    batchSize: 32,
    trainEvalCount: 64,
    schedule: { kind: 'cosine' },
    optimizer: { name: 'fsam', lr: 0.05 },
    ...overrides,
  });
}

/** A fresh folder for a store; `remove()` deletes it. */
export function temporaryFolder(prefix = 'fsam-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Resolves when `condition` holds, checking every few milliseconds; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
