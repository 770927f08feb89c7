/**
 * The events a remote worker sends the studio about a run, one Redis stream entry each (XADD): fields
 * `runId`, `attempt`, `type`, `body` (JSON) and, for a checkpoint, `data` (its bytes). The studio validates
 * every entry (a Redis others can write to is a boundary) and applies it with the same code as a local
 * worker's report (app/runs/recording.ts).
 */
import { z } from 'zod';
import type { EpochMetrics, RunStatus, StepMetrics } from '../domain/index.js';
import { RUN_STATUSES } from '../domain/index.js';
import type { RunStart } from '../store/store.js';
import { parseOrThrow } from '../validation.js';

export type RemoteEvent =
  | { type: 'started'; body: RunStart & { host: string; resumedAtStep: number } }
  | { type: 'steps'; body: { steps: StepMetrics[] } }
  | { type: 'epoch'; body: { epoch: EpochMetrics } }
  | { type: 'checkpoint'; body: { step: number }; data: Buffer }
  | { type: 'status'; body: { status: RunStatus; message: string | null } };

export interface RemoteEnvelope {
  runId: number;
  attempt: number;
  event: RemoteEvent;
}

const count = z.number().int().min(0);
const bodySchemas = {
  started: z.object({
    host: z.string().max(255),
    backend: z.string().max(100),
    device: z.string().max(1000),
    parameterCount: count,
    stepsPerEpoch: count,
    totalSteps: count,
    classNames: z.array(z.string().max(1000)).max(100_000),
    resumedAtStep: count,
  }),
  // the metric columns are STEP_METRICS' (numbers or null); the step's position is checked here
  steps: z.object({ steps: z.array(z.looseObject({ step: count, epoch: count, elapsedMs: z.number() })).min(1) }),
  epoch: z.object({ epoch: z.looseObject({ epoch: count, step: count }) }),
  checkpoint: z.object({ step: count }),
  status: z.object({ status: z.enum(RUN_STATUSES), message: z.string().max(10_000).nullable() }),
};
const envelopeSchema = z.object({
  runId: z.coerce.number().int().positive(),
  attempt: z.coerce.number().int().positive(),
  type: z.enum(Object.keys(bodySchemas) as [keyof typeof bodySchemas, ...(keyof typeof bodySchemas)[]]),
});

/** Stream entry fields (as XADD takes them) for one event. */
export function encodeEvent(envelope: RemoteEnvelope): (string | Buffer)[] {
  const { runId, attempt, event } = envelope;
  const fields: (string | Buffer)[] = ['runId', String(runId), 'attempt', String(attempt), 'type', event.type, 'body', JSON.stringify(event.body)];
  if (event.type === 'checkpoint') fields.push('data', event.data);
  return fields;
}

/** One stream entry's fields (as XREAD returns them, binary-safe) back as an event; throws naming what is wrong. */
export function decodeEvent(fields: Buffer[]): RemoteEnvelope {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString('utf8'), fields[i + 1]!);
  const text = (name: string) => map.get(name)?.toString('utf8');
  const head = parseOrThrow(envelopeSchema, { runId: text('runId'), attempt: text('attempt'), type: text('type') }, 'Malformed queue event', 'event');
  let json: unknown;
  try {
    json = JSON.parse(text('body') ?? '');
  } catch {
    throw new Error(`Malformed queue event — event.body: not JSON (run ${head.runId}, ${head.type})`);
  }
  const body = parseOrThrow(bodySchemas[head.type], json, 'Malformed queue event', `event.body (${head.type})`);
  if (head.type === 'checkpoint') {
    const data = map.get('data');
    if (!data || data.length === 0) throw new Error(`Malformed queue event — a checkpoint of run ${head.runId} without its bytes`);
    return { runId: head.runId, attempt: head.attempt, event: { type: 'checkpoint', body: body as { step: number }, data } };
  }
  return { runId: head.runId, attempt: head.attempt, event: { type: head.type, body } as RemoteEvent };
}
