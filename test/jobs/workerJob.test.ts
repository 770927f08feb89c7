/**
 * The job helper (app/jobs/workerJob.ts) with a real worker thread (test/support/jobWorker.ts): a result
 * after its progress, a thrown error, a failure the worker reports, an exit without a result, a failing
 * progress handler, terminate, and stop — answered by a cooperative worker, or ending in terminate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureMessage, startWorkerJob, STOP_MESSAGE, WorkerExitError } from '../../app/jobs/workerJob.js';
import type { JobWorkerMessage, JobWorkerMode } from '../support/jobWorker.js';

const WORKER = new URL('../support/jobWorker.js', import.meta.url);
/** Long enough that a cooperative worker never needs it; when it runs out the test fails, not hangs. */
const GENEROUS_GRACE_MS = 30_000;

function start(mode: JobWorkerMode, onProgress?: (value: number) => void, steps?: number) {
  return startWorkerJob<JobWorkerMessage, string, { type: 'ping' }>(WORKER, {
    workerData: { mode, steps },
    resultOf: (message) => {
      if (message.type === 'failed') throw new Error(message.message);
      return message.type === 'result' ? message.value : undefined;
    },
    onProgress: (message) => {
      if (message.type === 'progress') onProgress?.(message.value);
    },
  });
}

const exitError = (terminated: boolean, exitCode?: number) => (error: unknown) =>
  error instanceof WorkerExitError && error.terminated === terminated && (exitCode === undefined || error.exitCode === exitCode);

test('the result, after every progress message in order; then the thread exits by itself', async () => {
  const progress: number[] = [];
  const job = start('result', (value) => progress.push(value), 4);
  assert.equal(await job.result, 'done after 4');
  assert.deepEqual(progress, [1, 2, 3, 4]);
  assert.equal(await job.exited, 0);
});

test("an error the worker throws rejects the result with that error's name and message", async () => {
  const job = start('throw');
  await assert.rejects(job.result, (error: Error) => error.name === 'RangeError' && error.message === 'bad input 7');
  assert.equal(failureMessage(await job.result.catch((error: unknown) => error)), 'RangeError: bad input 7');
  await job.exited;
});

test('a failure the worker reports as a message rejects the result, and the worker is ended', async () => {
  const job = start('report-failure');
  await assert.rejects(job.result, { message: 'the checkpoint is unreadable' });
  // it would idle forever on its own
  await job.exited;
});

test('a worker that exits, or ends, without a result rejects it with a WorkerExitError and its exit code', async () => {
  const progress: number[] = [];
  const exiting = start('exit', (value) => progress.push(value));
  await assert.rejects(exiting.result, exitError(false, 3));
  assert.deepEqual(progress, [1], 'what it posted before is delivered');
  assert.equal(await exiting.exited, 3);

  const quiet = start('quiet');
  await assert.rejects(quiet.result, exitError(false, 0));
  await assert.rejects(quiet.result, /exited \(code 0\) before it gave a result/);
});

test('a progress handler that throws fails the job with its error and ends the worker', async () => {
  const job = start('busy', (value) => {
    if (value === 3) throw new Error('the store is closed');
  });
  await assert.rejects(job.result, { message: 'the store is closed' });
  await job.exited;
});

test('terminate ends a busy worker: the result rejects as terminated', async () => {
  let progressed = 0;
  const job = start('busy', () => (progressed += 1));
  while (progressed === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await job.terminate();
  await assert.rejects(job.result, exitError(true));
  await job.terminate(); // once exited, nothing happens
});

test('stop asks first: a cooperative worker hears STOP_MESSAGE, gives its result and exits by itself', async () => {
  const pings: number[] = [];
  const job = start('stoppable', (value) => pings.push(value));
  job.post({ type: 'ping' });
  while (pings.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(pings, [-1], 'post reaches the worker');
  assert.deepEqual(STOP_MESSAGE, { type: 'stop' }, "the run worker's own stop request");
  await job.stop(GENEROUS_GRACE_MS);
  // terminated, the result would have been rejected
  assert.equal(await job.result, 'stopped cleanly');
  assert.equal(await job.exited, 0);
  await job.stop(GENEROUS_GRACE_MS); // once exited, nothing happens
  job.post({ type: 'ping' });
});

test('stop ends a worker that does not answer by terminating it after the grace period', async () => {
  const job = start('busy');
  await job.stop(20);
  await assert.rejects(job.result, exitError(true));
});
