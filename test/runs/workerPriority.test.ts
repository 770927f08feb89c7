/**
 * A training worker yields the CPU to the interface: on Linux its thread runs at the test process's own nice
 * value + 10 (a lower priority), capped at 19, whatever that own value is, while the main thread keeps its own.
 * Read from /proc for the real threads of this process.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { RunManager } from '../../app/runs/manager.js';
import { StudioStore } from '../../app/store/store.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-priority-');
after(() => folder.remove());

const LOWEST = 19;
const linuxOnly = { skip: process.platform !== 'linux' && 'thread priorities are per process off Linux' };

/** The nice value of every thread of this process, by thread id (field 19 of /proc/self/task/TID/stat). */
function threadNiceness(): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: fields are counted after its closing one
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(Number(tid), Number(fields[19 - 3]));
    } catch {
      // the thread ended while we read
    }
  }
  return threads;
}

/**
 * Trains a run and reads the niceness of this process's threads while it does: the main thread's, and
 * those of the threads that did not exist before the run (its worker among them).
 */
async function nicenessWhileTraining(name: string): Promise<{ main: number; before: number[]; started: number[] }> {
  const store = StudioStore.open(`${folder.path}/${name}.db`);
  const manager = new RunManager(store, 1);
  try {
    const before = threadNiceness();
    const run = store.createRun({ name, config: tinyRunConfig({ epochs: 50 }) });
    manager.enqueue(run.id);
    await until(() => store.getRun(run.id).step > 0, 'the first steps');
    const during = threadNiceness();
    await manager.stop(run.id);
    return {
      main: during.get(process.pid)!,
      before: [...before.values()],
      started: [...during].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice),
    };
  } finally {
    await manager.shutdown();
    store.close();
  }
}

/** Asserts the training thread runs at min(own + 10, 19), below the process's own priority unless that is already the lowest. */
function assertTrainsBelow(own: number, seen: Awaited<ReturnType<typeof nicenessWhileTraining>>, t: { diagnostic(message: string): void }): void {
  const expected = Math.min(own + 10, LOWEST);
  const threads = `threads before: ${seen.before.join(' ')}; started with the run: ${seen.started.join(' ')}`;
  assert.equal(seen.main, own, 'the main thread keeps its priority');
  assert.ok(seen.started.length > 0, `the run started a worker thread (${threads})`);
  // started by the main thread (at its own) or by the worker (at the worker's): nothing else, nothing higher
  assert.ok(seen.started.every((nice) => nice === own || nice === expected), `every thread the run started runs at nice ${own} or ${expected} (${threads})`);
  if (own < LOWEST) {
    assert.ok(expected > own, 'a higher nice value: a lower priority');
    assert.ok(!seen.before.includes(expected), `no thread ran at nice ${expected} before the run (${threads})`);
    assert.ok(seen.started.includes(expected), `a thread of the run trains at nice ${expected} = min(${own} + 10, 19) (${threads})`);
  } else {
    // nothing runs lower than 19: the worker must stay there (a privileged process could otherwise raise it)
    t.diagnostic(`this process already runs at nice ${own}, the lowest priority: the training thread must stay at ${LOWEST}`);
    assert.ok(seen.started.every((nice) => nice === LOWEST), `the run's threads run at nice ${LOWEST} (${threads})`);
  }
}

test("the training thread runs at the process's own nice value + 10 (at most 19), the rest of the process as before", linuxOnly, async (t) => {
  const own = getPriority(0);
  assert.equal(threadNiceness().get(process.pid), own, "getPriority(0) reads the main thread's nice value");
  t.diagnostic(`this process runs at nice ${own}; the training thread should run at ${Math.min(own + 10, LOWEST)}`);
  assertTrainsBelow(own, await nicenessWhileTraining('own'), t);
});

test('from a process at nice 12 or more, the training thread is capped at 19', linuxOnly, async (t) => {
  // lowering one's own priority is always allowed (and lasts only as long as this test file's process)
  const own = Math.max(getPriority(0), 12);
  setPriority(0, own);
  assert.equal(getPriority(0), own);
  assertTrainsBelow(own, await nicenessWhileTraining('capped'), t);
});
