/**
 * Shows a run's progress from its stream (the same events a window gets): a live bar on a terminal, plain
 * lines (one per epoch) when output is piped, and nothing with --json (whose stdout must be the JSON alone).
 */
import cliProgress from 'cli-progress';
import { ACTIVE_STATUSES, type RunInfo, type RunStreamEvent } from '../api/types.js';
import { percent } from './table.js';

export interface ProgressReporter {
  onEvent(event: RunStreamEvent): void;
  /** The run ended: finish the display and say how, unless it completed. */
  close(run: RunInfo): void;
}

export function createProgressReporter(label: string, mode: 'json' | 'auto'): ProgressReporter {
  if (mode === 'json') return { onEvent: () => {}, close: () => {} };
  return process.stderr.isTTY ? new BarReporter(label) : new LineReporter(label);
}

function endNote(label: string, run: RunInfo): string | undefined {
  return run.status === 'completed' ? undefined : `${label}: ${run.status}${run.message ? ` — ${run.message}` : ''}`;
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
  private started = false;
  private testAccuracy = '—';

  constructor(private readonly label: string) {}

  onEvent(event: RunStreamEvent): void {
    if (event.type === 'run') {
      if (!this.started && event.run.totalSteps !== null && ACTIVE_STATUSES.includes(event.run.status)) {
        this.started = true;
        this.bar.start(event.run.totalSteps, event.run.step, { label: this.label, epoch: event.run.epochsDone + 1, loss: '—', testAccuracy: this.testAccuracy, speed: '—' });
      }
      return;
    }
    if (!this.started) return;
    if (event.type === 'steps') {
      const last = event.steps[event.steps.length - 1]!;
      this.bar.update(last.step + 1, { epoch: last.epoch + 1, loss: last.loss.toFixed(4), speed: (1000 / last.stepMs).toFixed(1) });
    } else if (event.type === 'epoch') {
      this.testAccuracy = percent(event.epoch.test.accuracy);
      this.bar.update({ testAccuracy: this.testAccuracy });
    } else if (event.type === 'rewind') {
      this.bar.update(event.step);
    }
  }

  close(run: RunInfo): void {
    if (this.started) this.bar.stop();
    const note = endNote(this.label, run);
    if (note) process.stderr.write(`${note}\n`);
  }
}

class LineReporter implements ProgressReporter {
  private announced = false;

  constructor(private readonly label: string) {}

  onEvent(event: RunStreamEvent): void {
    if (event.type === 'run' && !this.announced && event.run.totalSteps !== null) {
      this.announced = true;
      const { run } = event;
      const from = run.step > 0 ? `, from step ${run.step}` : '';
      console.log(`${this.label}: ${run.totalSteps} steps (${run.stepsPerEpoch} per epoch${from}), ${run.parameterCount?.toLocaleString('en')} parameters, ${run.backend}${run.placement === 'queue' ? ` on ${run.workerHost ?? 'a worker'}` : ''}`);
    } else if (event.type === 'epoch') {
      const { epoch, step, train, test, elapsedMs } = event.epoch;
      console.log(
        `${this.label}: epoch ${epoch + 1}  step ${step}  train loss ${train.loss.toFixed(4)} acc ${percent(train.accuracy)}  test loss ${test.loss.toFixed(4)} acc ${percent(test.accuracy)}  ${(elapsedMs / 1000).toFixed(1)} s`,
      );
    }
  }

  close(run: RunInfo): void {
    const note = endNote(this.label, run);
    if (note) console.log(note);
  }
}
