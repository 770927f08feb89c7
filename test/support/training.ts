/** A tiny data set and config for trainer tests, and a loop that runs a Trainer to its end collecting what it emits. */
import assert from 'node:assert/strict';
import type { StepMetrics } from '../../app/domain/index.js';
import { generateBuiltinDataset } from '../../app/data/builtin.js';
import type { TrainConfigInput } from '../../app/training/config.js';
import type { RunSummary, Trainer, TrainerEvent } from '../../app/training/trainer.js';

export const tinyData = generateBuiltinDataset({ seed: 4, trainCount: 384, testCount: 96, size: 12, channels: 1 });

export function tinyConfig(overrides: Partial<TrainConfigInput> & { optimizer: TrainConfigInput['optimizer'] }): TrainConfigInput {
  return { model: 'mlp', epochs: 2, batchSize: 32, seed: 11, schedule: { kind: 'constant' }, trainEvalCount: 96, ...overrides };
}

export async function runToEnd(trainer: Trainer, onEvent?: (event: TrainerEvent) => void): Promise<{ steps: StepMetrics[]; summary: RunSummary; events: TrainerEvent[] }> {
  const steps: StepMetrics[] = [];
  const events: TrainerEvent[] = [];
  let summary: RunSummary | undefined;
  for await (const event of trainer.run()) {
    events.push(event);
    onEvent?.(event);
    if (event.type === 'step') steps.push(event.record);
    if (event.type === 'finished') summary = event.summary;
  }
  assert.ok(summary, 'the run ends with a finished event');
  return { steps, summary, events };
}
