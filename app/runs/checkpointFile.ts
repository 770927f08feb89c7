/**
 * Where a run's checkpoints go and how their report reads: written into the run's folder by whoever holds
 * the checkpoint in the main process's file system — a worker thread itself, or the main side for the
 * desktop app's GPU host page, which has no file system.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeCheckpoint, type TrainerCheckpoint } from '../training/checkpoint.js';
import type { WorkerToManager } from './protocol.js';

export type CheckpointReport = Extract<WorkerToManager, { type: 'checkpoint' }>;

/** Writes `checkpoint` atomically as checkpoint-step-N.ckpt in `runFolder`; returns what the manager records. */
export function saveRunCheckpoint(runFolder: string, checkpoint: TrainerCheckpoint): CheckpointReport {
  mkdirSync(runFolder, { recursive: true });
  const step = checkpoint.progress.step;
  const path = join(runFolder, `checkpoint-step-${step}.ckpt`);
  const bytes = writeCheckpoint(path, checkpoint);
  return { type: 'checkpoint', path, bytes, step };
}
