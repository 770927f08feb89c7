/** Learning-rate schedules, evaluated per step. */
import { z } from 'zod';

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant') }),
  /** As the reference code: from lr at step 0 to 0 at the last step, following half a cosine, per step. */
  z.strictObject({ kind: z.literal('cosine') }),
  /** lr × gamma^(number of milestones passed); milestones are epochs. */
  z.strictObject({
    kind: z.literal('multistep'),
    milestones: z.array(z.number().int().positive()).min(1),
    gamma: z.number().positive().max(1).default(0.1),
  }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

export function learningRateAt(schedule: Schedule, baseRate: number, step: number, totalSteps: number, stepsPerEpoch: number): number {
  switch (schedule.kind) {
    case 'constant':
      return baseRate;
    case 'cosine':
      return 0.5 * baseRate * (1 + Math.cos((Math.PI * step) / totalSteps));
    case 'multistep': {
      const epoch = step / stepsPerEpoch;
      const passed = schedule.milestones.filter((milestone) => epoch >= milestone).length;
      return baseRate * schedule.gamma ** passed;
    }
  }
}
