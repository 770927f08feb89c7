import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, scheduleSchema } from '../../app/training/schedule.js';

test('cosine goes from lr at step 0 to 0 at the last step, per step', () => {
  const cosine = scheduleSchema.parse({ kind: 'cosine' });
  assert.equal(learningRateAt(cosine, 0.1, 0, 100, 10), 0.1);
  assert.ok(Math.abs(learningRateAt(cosine, 0.1, 50, 100, 10) - 0.05) < 1e-12);
  assert.ok(learningRateAt(cosine, 0.1, 100, 100, 10) < 1e-12);
  assert.ok(learningRateAt(cosine, 0.1, 31, 100, 10) < learningRateAt(cosine, 0.1, 30, 100, 10));
});

test('multistep multiplies by gamma at each milestone epoch', () => {
  const multistep = scheduleSchema.parse({ kind: 'multistep', milestones: [2, 4], gamma: 0.5 });
  assert.equal(learningRateAt(multistep, 0.1, 19, 60, 10), 0.1);
  assert.equal(learningRateAt(multistep, 0.1, 20, 60, 10), 0.05);
  assert.equal(learningRateAt(multistep, 0.1, 45, 60, 10), 0.025);
});

test('constant stays constant', () => {
  assert.equal(learningRateAt({ kind: 'constant' }, 0.3, 77, 100, 10), 0.3);
});
