/// <reference lib="dom" />
/**
 * The charts' redraw scheduler, on a clock the test drives: a frame spends about its budget and then
 * leaves the rest for the next frames, always drawing at least one chart; a chart is redrawn live at most
 * once per interval, with only the newest data; every request is drawn in the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedrawScheduler, type SchedulerClock } from '../../renderer/src/lib/redrawScheduler.js';

/** Time moves only when a frame runs (16 ms) or a draw costs something. */
function manualClock() {
  let time = 0;
  let frames: (() => void)[] = [];
  const clock: SchedulerClock = { now: () => time, requestFrame: (callback) => void frames.push(callback) };
  return {
    clock,
    advance: (ms: number) => (time += ms),
    /** Runs the frame callbacks requested so far; returns how many there were. */
    frame() {
      time += 16;
      const due = frames;
      frames = [];
      for (const callback of due) callback();
      return due.length;
    },
    get framesRequested() {
      return frames.length;
    },
  };
}

test('a frame draws charts until its budget is spent, at least one, and the rest in later frames', () => {
  const time = manualClock();
  const scheduler = new RedrawScheduler(time.clock, 6, 250);
  const drawn: string[] = [];
  const charts = ['loss', 'accuracy', 'lr', 'norm', 'cosine'].map((name) => ({ name }));
  // each redraw costs 4 ms: one fits a 6 ms budget, a second starts before it is spent, a third does not
  for (const chart of charts) scheduler.request(chart, () => (drawn.push(chart.name), time.advance(4)));
  assert.equal(drawn.length, 0, 'nothing is drawn before a frame');
  time.frame();
  assert.deepEqual(drawn, ['loss', 'accuracy']);
  time.frame();
  assert.deepEqual(drawn, ['loss', 'accuracy', 'lr', 'norm']);
  time.frame();
  assert.deepEqual(drawn, ['loss', 'accuracy', 'lr', 'norm', 'cosine'], 'in request order, oldest first');
  assert.equal(scheduler.pendingCount, 0);
  assert.equal(time.framesRequested, 0, 'no frame is asked for when nothing waits');

  // a redraw slower than the whole budget still goes, one per frame
  const slow = [{}, {}];
  let slowDrawn = 0;
  for (const chart of slow) scheduler.request(chart, () => (slowDrawn++, time.advance(40)));
  time.frame();
  assert.equal(slowDrawn, 1);
  time.frame();
  assert.equal(slowDrawn, 2);
});

test('a chart is redrawn at most once per interval, with the newest data, and never lost', () => {
  const time = manualClock();
  const scheduler = new RedrawScheduler(time.clock, 6, 250);
  const chart = {};
  const versions: number[] = [];
  scheduler.request(chart, () => versions.push(1));
  time.frame();
  assert.deepEqual(versions, [1], 'a chart never drawn before is drawn in the next frame');
  for (let version = 2; version <= 20; version++) {
    scheduler.request(chart, () => versions.push(version));
    time.frame();
  }
  // 19 frames of 16 ms = 304 ms: one redraw after the 250 ms interval, with the data of that moment
  assert.equal(versions.length, 2, `redraws: ${versions.join(', ')}`);
  assert.ok(versions[1]! >= 16 && versions[1]! <= 17, `the redraw after the interval drew version ${versions[1]}`);
  while (scheduler.pendingCount > 0) time.frame();
  assert.equal(versions.at(-1), 20, 'the newest request is drawn in the end');

  // a chart that still shows nothing is not held back by the interval: its first data is drawn at once
  const empty = {};
  const drawnEmpty: string[] = [];
  scheduler.request(empty, () => drawnEmpty.push('no data yet'));
  time.frame();
  scheduler.request(empty, () => drawnEmpty.push('first data'), true);
  time.frame();
  assert.deepEqual(drawnEmpty, ['no data yet', 'first data']);

  // a cancelled chart (gone from the page) is not drawn
  scheduler.request(chart, () => versions.push(99));
  scheduler.cancel(chart);
  for (let i = 0; i < 30; i++) time.frame();
  assert.ok(!versions.includes(99));
});

test('a chart whose redraw throws does not stop the others', () => {
  const time = manualClock();
  const scheduler = new RedrawScheduler(time.clock, 6, 250);
  const drawn: string[] = [];
  const original = console.error;
  const logged: unknown[] = [];
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    scheduler.request({}, () => {
      throw new Error('broken chart');
    });
    scheduler.request({}, () => drawn.push('next'));
    time.frame();
  } finally {
    console.error = original;
  }
  assert.deepEqual(drawn, ['next']);
  assert.equal(logged.length, 1);
});
