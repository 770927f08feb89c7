/**
 * The rule behind the forms' checks by the service: of overlapping requests only the latest one's outcome
 * is used, whichever order the answers arrive in, and a failure arrives as its message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestRequest, type RequestOutcome } from '../../renderer/src/lib/latestRequest.js';

/** A promise the test settles by hand, so the order of answers is the test's. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** Two overlapping requests, older then newer, whose answers the test releases; `settled` records what counted. */
function overlapping<T>() {
  const latest = new LatestRequest();
  const settled: RequestOutcome<T>[] = [];
  const older = deferred<T>();
  const newer = deferred<T>();
  const olderDone = latest.run(() => older.promise, (outcome) => settled.push(outcome));
  const newerDone = latest.run(() => newer.promise, (outcome) => settled.push(outcome));
  return { settled, older, newer, olderDone, newerDone };
}

test('an older answer arriving after a newer request began is dropped', async () => {
  const { settled, older, newer, olderDone, newerDone } = overlapping<string>();
  newer.resolve('now');
  await newerDone;
  older.resolve('a moment ago');
  await olderDone;
  assert.deepEqual(settled, [{ value: 'now', error: null }]);
});

test('the latest request is settled even when it answers after an older one', async () => {
  const { settled, older, newer, olderDone, newerDone } = overlapping<number>();
  older.resolve(1);
  await olderDone;
  assert.deepEqual(settled, [], 'the older answer is not used');
  newer.resolve(2);
  await newerDone;
  assert.deepEqual(settled, [{ value: 2, error: null }]);
});

test('a failure of the latest request is settled as its message; a stale failure is dropped', async () => {
  const { settled, older, newer, olderDone, newerDone } = overlapping<number>();
  newer.reject(new Error('the service is gone'));
  await newerDone;
  older.reject(new Error('an old failure'));
  await olderDone;
  assert.deepEqual(settled, [{ value: null, error: 'the service is gone' }]);
});
