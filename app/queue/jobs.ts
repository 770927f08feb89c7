/**
 * What travels through the job queue, and its names in Redis. A job's payload is data only — which run, which
 * attempt, its training config (the studio's own trainConfigSchema) — and a worker trains nothing else: a
 * payload that does not validate is refused, and nothing in a job is ever executed.
 *
 * Keys: one BullMQ queue (`fsam-runs`, prefix `fsam`) that every worker takes from; the rest is namespaced by
 * the studio's id on that Redis (app/store/queueCursors.ts), so two studios sharing a Redis never mix events.
 */
import { z } from 'zod';
import { trainConfigSchema } from '../training/config.js';
import { parseOrThrow } from '../validation.js';

export const QUEUE_NAME = 'fsam-runs';
export const QUEUE_PREFIX = 'fsam';

const idSchema = z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be ≥ 1' });
const studioIdSchema = z.string({ error: 'must be a string' }).regex(/^[0-9a-f-]{36}$/, { error: 'must be a studio id (a UUID)' });

export const runJobSchema = z.strictObject({
  studioId: studioIdSchema,
  runId: idSchema,
  attempt: idSchema,
  config: trainConfigSchema,
});
export type RunJob = z.infer<typeof runJobSchema>;

/** The job's payload, validated; a ConfigError naming the first bad field otherwise. */
export function parseRunJob(data: unknown): RunJob {
  return parseOrThrow(runJobSchema, data, 'Refused job payload', 'job');
}

/** BullMQ job ids may not hold ':'; one id per run and attempt makes a repeated enqueue a no-op. */
export function runJobId(job: Pick<RunJob, 'studioId' | 'runId' | 'attempt'>): string {
  return `${job.studioId}-${job.runId}-${job.attempt}`;
}

export const keys = {
  /** The studio's event stream: every worker's reports about its runs, in order (app/queue/events.ts). */
  events: (studioId: string) => `${QUEUE_PREFIX}:${studioId}:events`,
  /** A run's latest checkpoint, so that any worker can resume it even while the studio is closed. */
  checkpoint: (studioId: string, runId: number) => `${QUEUE_PREFIX}:${studioId}:run:${runId}:checkpoint`,
  /** A run's wanted state ('pause' or 'stop'; absent: train), read when a worker takes its job. */
  control: (studioId: string, runId: number) => `${QUEUE_PREFIX}:${studioId}:run:${runId}:control`,
  /** Pub/sub channel telling workers a run's control key changed. */
  controlChannel: (studioId: string) => `${QUEUE_PREFIX}:${studioId}:control`,
};

export const CONTROL_COMMANDS = ['pause', 'run', 'stop'] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];
export const controlMessageSchema = z.strictObject({ runId: idSchema, command: z.enum(CONTROL_COMMANDS) });
