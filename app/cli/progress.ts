/**
 * Shows a run's progress: a live bar on a terminal, plain lines (one per epoch) when output is piped, and
 * nothing with --json (whose stdout must be the JSON object alone).
 */
import cliProgress from 'cli-progress';
import type { TrainerEvent } from '../training/trainer.js';
import { percent } from './table.js';

export interface ProgressReporter {
  onEvent(event: TrainerEvent): void;
}

export function createProgressReporter(label: string, mode: 'json' | 'auto'): ProgressReporter {
  if (mode === 'json') return { onEvent: () => {} };
  return process.stderr.isTTY ? new BarReporter(label) : new LineReporter(label);
}

class BarReporter implements ProgressReporter {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: '{label} |{bar}| {value}/{total} steps  epoch {epoch}  loss {loss}  test acc {testAccuracy}  {speed} steps/s  eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  private testAccuracy = '—';

  constructor(private readonly label: string) {}

  onEvent(event: TrainerEvent): void {
    switch (event.type) {
      case 'started':
        this.bar.start(event.totalSteps, 0, { label: this.label, epoch: 1, loss: '—', testAccuracy: this.testAccuracy, speed: '—' });
        break;
      case 'step':
        this.bar.update(event.record.step + 1, {
          epoch: event.record.epoch + 1,
          loss: event.record.loss.toFixed(4),
          speed: (1000 / event.record.stepMs).toFixed(1),
        });
        break;
      case 'epoch':
        this.testAccuracy = percent(event.record.test.accuracy);
        this.bar.update({ testAccuracy: this.testAccuracy });
        break;
      case 'finished':
        this.bar.stop();
        if (event.summary.status !== 'completed') process.stderr.write(`${this.label}: ${event.summary.status} — ${event.summary.message}\n`);
        break;
    }
  }
}

class LineReporter implements ProgressReporter {
  constructor(private readonly label: string) {}

  onEvent(event: TrainerEvent): void {
    if (event.type === 'started') {
      console.log(`${this.label}: ${event.totalSteps} steps (${event.stepsPerEpoch} per epoch), ${event.parameterCount.toLocaleString('en')} parameters`);
    } else if (event.type === 'epoch') {
      const { epoch, step, train, test, elapsedMs } = event.record;
      console.log(
        `${this.label}: epoch ${epoch + 1}  step ${step}  train loss ${train.loss.toFixed(4)} acc ${percent(train.accuracy)}  test loss ${test.loss.toFixed(4)} acc ${percent(test.accuracy)}  ${(elapsedMs / 1000).toFixed(1)} s`,
      );
    } else if (event.type === 'finished' && event.summary.status !== 'completed') {
      console.log(`${this.label}: ${event.summary.status} — ${event.summary.message}`);
    }
  }
}
