/**
 * One run's Trainer reported as the run manager's protocol (protocol.ts): what a training worker thread
 * (worker.ts) and the desktop app's GPU host page (gpuHost.ts) both do. Steps are posted in batches (every
 * STEP_FLUSH_MS, and before anything else is posted) — one message per step would flood the main side when
 * steps take a millisecond. Where the two differ is the checkpoint: a worker writes its file itself, the
 * host page (no file system) hands the checkpoint's contents to the main side, which writes it.
 */
import type { StepMetrics } from '../domain/index.js';
import type { TrainerCheckpoint } from '../training/checkpoint.js';
import type { Trainer } from '../training/trainer.js';
import type { ManagerToWorker, WorkerToManager } from './protocol.js';

const STEP_FLUSH_MS = 50;

/** Every report but the checkpoint's, which each side words its own way. */
export type RunReport = Exclude<WorkerToManager, { type: 'checkpoint' }>;

export interface TrainingReportOptions<CheckpointReport> {
  trainer: Trainer;
  /** The backend and device the `started` report names. */
  backend: { name: string; device: string };
  classNames: readonly string[];
  post(message: RunReport | CheckpointReport): void;
  /** The report of a checkpoint the trainer took (a worker writes it to its run folder first). */
  checkpointReport(checkpoint: TrainerCheckpoint): CheckpointReport;
}

export class TrainingReport<CheckpointReport> {
  private pending: StepMetrics[] = [];
  private lastFlush = performance.now();
  private paused = false;

  constructor(private readonly options: TrainingReportOptions<CheckpointReport>) {}

  /** A control message from the manager: pause, unpause or stop, applied to the trainer between steps. */
  control(message: ManagerToWorker): void {
    const { trainer } = this.options;
    this.paused = message.type === 'pause';
    if (message.type === 'pause') trainer.pause();
    else if (message.type === 'unpause') trainer.unpause();
    else if (message.type === 'stop') trainer.stop();
    // a paused run must show every step it finished, not hold them until it continues
    if (this.paused) this.flush();
  }

  /** Trains to the run's end (completed, stopped, diverged), posting every report. */
  async run(resumeFrom: TrainerCheckpoint | undefined): Promise<void> {
    const { trainer, backend, classNames, post } = this.options;
    for await (const event of trainer.run(resumeFrom)) {
      if (event.type === 'step') {
        this.pending.push(event.record);
        if (this.paused || performance.now() - this.lastFlush >= STEP_FLUSH_MS) this.flush();
        continue;
      }
      this.flush();
      switch (event.type) {
        case 'started':
          post({ type: 'started', backend: backend.name, device: backend.device, parameterCount: event.parameterCount, stepsPerEpoch: event.stepsPerEpoch, totalSteps: event.totalSteps, classNames: [...classNames], resumedAtStep: event.resumedAtStep });
          break;
        case 'epoch':
          post({ type: 'epoch', epoch: event.record });
          break;
        case 'checkpoint':
          post(this.options.checkpointReport(event.checkpoint));
          break;
        case 'finished':
          post({ type: 'finished', summary: event.summary });
          break;
      }
    }
  }

  private flush(): void {
    if (this.pending.length > 0) this.options.post({ type: 'steps', steps: this.pending });
    this.pending = [];
    this.lastFlush = performance.now();
  }
}
