/**
 * A training worker yields the CPU to the interface: on Linux its thread runs at a lower priority (nice 10)
 * while the main thread stays at the process's own, read from /proc for the real threads of this process.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { RunManager } from '../../app/runs/manager.js';
import { StudioStore } from '../../app/store/store.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-priority-');
after(() => folder.remove());

/** The nice value of every thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: fields are counted after its closing one
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [Number(fields[19 - 3])];
    } catch {
      return []; // the thread ended while we read
    }
  });
}

test('the training thread runs at nice 10, the rest of the process as before', { skip: process.platform !== 'linux' && 'thread priorities are per process off Linux' }, async () => {
  const store = StudioStore.open(`${folder.path}/studio.db`);
  const manager = new RunManager(store, 1);
  try {
    const ownNiceness = getPriority(0);
    if (ownNiceness !== 10) assert.ok(!threadNiceness().includes(10), 'no thread is lowered before a run starts');
    const run = store.createRun({ name: 'priority', config: tinyRunConfig({ epochs: 50 }) });
    manager.enqueue(run.id);
    await until(() => store.getRun(run.id).step > 0, 'the first steps');
    const niceness = threadNiceness();
    assert.ok(niceness.includes(10), `a thread at nice 10 trains (threads: ${niceness.join(' ')})`);
    assert.equal(getPriority(0), ownNiceness, 'the main thread keeps its priority');
    await manager.stop(run.id);
  } finally {
    await manager.shutdown();
    store.close();
  }
});
