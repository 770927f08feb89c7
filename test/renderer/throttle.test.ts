/**
 * The throttle behind the study view's re-fetches, on a clock the test drives: the first request runs at
 * once, requests within the interval fold into one call at its end, a call still running is never joined
 * by a second, and nothing runs after cancel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throttle, type ThrottleClock } from '../../renderer/src/lib/throttle.js';

function manualClock() {
  let time = 0;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: ThrottleClock = {
    now: () => time,
    setTimer: (callback, ms) => {
      const id = nextId++;
      timers.push({ at: time + ms, callback, id });
      return id;
    },
    clearTimer: (handle) => (timers = timers.filter((timer) => timer.id !== handle)),
  };
  return {
    clock,
    /** Moves time on, firing the timers that fall due. */
    advance(ms: number) {
      const until = time + ms;
      for (;;) {
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((timer) => timer !== due);
        time = due.at;
        due.callback();
      }
      time = until;
    },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('at most one call per interval; requests meanwhile fold into one trailing call', async () => {
  const clock = manualClock();
  let calls = 0;
  const throttle = new Throttle(() => void (calls += 1), 2000, clock.clock);
  throttle.request();
  await flush();
  assert.equal(calls, 1, 'the first request runs at once');
  throttle.request();
  throttle.request();
  throttle.request();
  await flush();
  assert.equal(calls, 1);
  clock.advance(1999);
  await flush();
  assert.equal(calls, 1);
  clock.advance(1);
  await flush();
  assert.equal(calls, 2, 'one trailing call for the three requests');
  clock.advance(10_000);
  await flush();
  assert.equal(calls, 2, 'nothing more without a request');
  throttle.request();
  await flush();
  assert.equal(calls, 3, 'after a quiet interval a request runs at once');
});

test('a slow call is not joined by a second; the request during it runs after it', async () => {
  const clock = manualClock();
  let running = 0;
  let most = 0;
  let calls = 0;
  let finish: () => void = () => {};
  const throttle = new Throttle(
    () =>
      new Promise<void>((resolve) => {
        calls += 1;
        running += 1;
        most = Math.max(most, running);
        finish = () => {
          running -= 1;
          resolve();
        };
      }),
    100,
    clock.clock,
  );
  throttle.request();
  await flush();
  throttle.request();
  clock.advance(500);
  await flush();
  assert.equal(calls, 1, 'still running: the second waits');
  finish();
  await flush();
  assert.equal(calls, 2, 'the interval has passed: it runs when the first ends');
  finish();
  await flush();
  assert.equal(most, 1);
});

test('a call that throws does not stop later ones; cancel stops everything', async () => {
  const clock = manualClock();
  let calls = 0;
  const throttle = new Throttle(
    () => {
      calls += 1;
      throw new Error('offline');
    },
    100,
    clock.clock,
  );
  throttle.request();
  await flush();
  throttle.request();
  clock.advance(100);
  await flush();
  assert.equal(calls, 2);
  throttle.request();
  throttle.cancel();
  clock.advance(1000);
  throttle.request();
  await flush();
  assert.equal(calls, 2, 'nothing after cancel');
});
