/** A run's life: the one list of its statuses, and the groups the manager, store and screens act on. */
export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'stopped', 'diverged', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run can leave through `resumeRun` (from its last checkpoint, or from the start without one). */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['paused', 'stopped', 'interrupted', 'failed'];
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];

/** How a trainer that returned normally ended (failed and interrupted runs never reach the trainer's end). */
export const TRAINING_OUTCOMES = ['completed', 'stopped', 'diverged'] as const satisfies readonly RunStatus[];
export type TrainingOutcome = (typeof TRAINING_OUTCOMES)[number];

export interface RunTransition {
  at: number;
  status: RunStatus;
  message: string | null;
}
