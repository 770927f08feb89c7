/** Runs one training run to its end in this thread, passing every event to `onEvent`. */
import type { ImageDataset } from '../data/dataset.js';
import type { TrainConfig } from './config.js';
import { Trainer, type RunSummary, type TrainerEvent } from './trainer.js';

export async function runTraining(config: TrainConfig, dataset: ImageDataset, onEvent: (event: TrainerEvent) => void = () => {}): Promise<RunSummary> {
  const trainer = new Trainer(config, dataset);
  try {
    const events = trainer.run();
    for (;;) {
      const next = await events.next();
      if (next.done) return next.value;
      onEvent(next.value);
    }
  } finally {
    trainer.dispose();
  }
}
