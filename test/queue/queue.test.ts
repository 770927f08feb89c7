/**
 * The job queue with real parts: a real redis-server (password, random port), real worker processes
 * (`fsam-studio worker`), the real trainer and a real SQLite store. A study fans out to two workers; one is
 * killed with SIGKILL mid-run and the studio is closed and reopened mid-study, and still every run completes
 * with every step once and the killed run's weights equal an uninterrupted local run's bit for bit.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { StudioService } from '../../app/api/service.js';
import type { RunInfo } from '../../app/api/types.js';
import { encodeEvent } from '../../app/queue/events.js';
import { keys, QUEUE_NAME, QUEUE_PREFIX } from '../../app/queue/jobs.js';
import { parseQueueUrl } from '../../app/queue/queueUrl.js';
import { RunManager } from '../../app/runs/manager.js';
import { StudioStore } from '../../app/store/store.js';
import { readCheckpoint } from '../../app/training/checkpoint.js';
import type { TrainConfig } from '../../app/training/config.js';
import { runCli, spawnCli } from '../support/cli.js';
import { redisMissing, startRedis, type TestRedis } from '../support/redis.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const skip = redisMissing;
const folder = temporaryFolder('fsam-queue-');
let redis: TestRedis;

before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  await redis?.close();
  folder.remove();
});

/** A worker process; its output is collected, and `kill()` is a SIGKILL. */
function startWorker(url: string, extra: string[] = []) {
  const child = spawnCli(['worker', '--queue', url, '--lock-ms', '2000', ...extra]);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    get output() {
      return output;
    },
    exited,
    ready: () => until(() => output.includes('worker on '), 'the worker to start', 60_000),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function weights(path: string): Map<string, number[]> {
  return new Map(readCheckpoint(path).network.map((t) => [t.name, [...t.values]]));
}

function assertStepsComplete(store: StudioStore, run: RunInfo): void {
  const steps = store.stepsFrom(run.id, 0).map((s) => s.step);
  assert.deepEqual(steps, Array.from({ length: run.totalSteps! }, (_, i) => i), `run ${run.id} has every step once, in order`);
}

/** Four epochs of 16 steps: long enough to be killed in the middle. */
const config = (): TrainConfig => tinyRunConfig({ epochs: 4, data: { name: 'shapes10', trainCount: 512, testCount: 64, size: 12, channels: 1 } });

async function localWeights(runConfig: TrainConfig): Promise<Map<string, number[]>> {
  const store = StudioStore.open(`${folder.path}/local-${runConfig.optimizer.name}-${runConfig.seed}.db`);
  const manager = new RunManager(store, 1);
  try {
    const run = store.createRun({ name: 'local', config: runConfig });
    manager.enqueue(run.id);
    const ended = await manager.waitForEnd(run.id);
    assert.equal(ended.status, 'completed', ended.message ?? '');
    return weights(store.latestCheckpoint(run.id)!.path);
  } finally {
    await manager.shutdown();
    store.close();
  }
}

test('two workers train a study; a malformed job is refused; a worker killed with -9 and a studio closed mid-study lose nothing', { skip, timeout: 600_000 }, async () => {
  const queue = parseQueueUrl(redis.url);
  const databasePath = `${folder.path}/studio.db`;
  const workers = [startWorker(redis.url), startWorker(redis.url)];
  try {
    await Promise.all(workers.map((w) => w.ready()));
    assert.match(workers[0]!.output, /worker on .+: backend \w+, .+; queue redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0; concurrency 1/);

    // a job that is not a training config is refused, and the worker goes on
    const raw = new Queue(QUEUE_NAME, { connection: { ...queue.connection } as never, prefix: QUEUE_PREFIX });
    const bogus = await raw.add('run', { studioId: 'x', runId: 1, attempt: 1, config: { model: 'rm -rf /' }, exec: 'touch /tmp/pwned' });
    await until(() => workers.some((w) => w.output.includes(`refused job ${bogus.id}`)), 'the malformed job to be refused');
    assert.equal(await bogus.getState(), 'failed');
    assert.match((await raw.getJob(bogus.id!))!.failedReason, /Refused job payload — job\.\w+/);
    await raw.close();

    let service = StudioService.open({ databasePath, queue, concurrency: 1 });
    const base = config();
    const study = await service.createStudy({ name: 'queued study', config: base, arms: [{ optimizer: { name: 'sgd' } }, { optimizer: { name: 'fsam' } }], seeds: [1, 2] });
    const runIds = study.study.cells.flatMap((cell) => service.store.runsOfComparison(cell.comparisonId).map((r) => r.id));
    assert.equal(runIds.length, 4);
    assert.ok(runIds.every((id) => service.store.getRun(id).placement === 'queue'));

    // a run with a checkpoint and more to do: its worker is killed
    let victim: RunInfo | undefined;
    await until(() => {
      victim = runIds.map((id) => service.store.getRun(id)).find((r) => r.status === 'running' && r.epochsDone >= 1 && r.step < r.totalSteps! - 4 && service.store.latestCheckpoint(r.id) !== undefined);
      return victim !== undefined;
    }, 'a run past its first checkpoint', 120_000);
    const holder = workers.find((w) => w.output.includes(`run ${victim!.id}: training`) && !w.output.includes(`run ${victim!.id}: completed`))!;
    assert.ok(holder, `a worker says it trains run ${victim!.id}`);
    await holder.kill();

    // the studio closes mid-study and opens again: it catches up with what the workers did meanwhile
    await service.close();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    service = StudioService.open({ databasePath, queue, concurrency: 1 });
    const ended = await Promise.all(runIds.map((id) => service.waitForEnd(id)));
    for (const run of ended) {
      assert.equal(run.status, 'completed', `run ${run.id}: ${run.message}`);
      assert.ok(run.workerHost, 'the worker host is recorded');
      assertStepsComplete(service.store, run);
      assert.equal(service.store.epochs(run.id).length, 4);
    }
    const survivor = workers.find((w) => w !== holder)!;
    assert.match(survivor.output, new RegExp(`run ${victim!.id}: training on \\w+, resumed at step \\d+`), 'the other worker resumed the killed run from its checkpoint');

    // bit for bit: the killed run's final weights are an uninterrupted local run's
    const remoteWeights = weights(service.store.latestCheckpoint(victim!.id)!.path);
    assert.deepEqual(remoteWeights, await localWeights(service.store.getRun(victim!.id).config));

    // a step batch delivered twice is ignored
    const client = new Redis(queue.connection);
    const cursorBefore = service.store.queueCursors.open(queue.redacted).lastEventId;
    const again = service.store.stepsFrom(victim!.id, 0, 3);
    const id = (await client.xadd(keys.events(service.remote!.studioId), '*', ...encodeEvent({ runId: victim!.id, attempt: 1, event: { type: 'steps', body: { steps: again } } })))!;
    await until(() => service.store.queueCursors.open(queue.redacted).lastEventId === id, 'the duplicate to be read');
    assert.notEqual(cursorBefore, id);
    assertStepsComplete(service.store, service.store.getRun(victim!.id));
    client.disconnect();
    await service.close();

    // the password is nowhere: not in the store, not in what the workers printed
    const database = readFileSync(databasePath);
    assert.equal(database.includes(Buffer.from(redis.password)), false, 'the SQLite file holds no password');
    for (const worker of workers) assert.equal(worker.output.includes(redis.password), false, 'the worker prints no password');
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) await worker.kill();
  }
});

test('a wrong password is refused in words, without echoing it, and nothing trains', { skip, timeout: 120_000 }, async () => {
  const wrong = `redis://:not-${redis.password}@127.0.0.1:${redis.port}/0`;
  const result = await runCli(['worker', '--queue', wrong]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 refused the user name or password/);
  assert.equal(`${result.stdout}${result.stderr}`.includes(`not-${redis.password}`), false);
  const train = await runCli(['train', '--queue', wrong, '--preset', 'quick', '--db', `${folder.path}/wrong.db`]);
  assert.notEqual(train.code, 0);
  assert.match(train.stderr, /refused the user name or password/);
  assert.equal(`${train.stdout}${train.stderr}`.includes(`not-${redis.password}`), false);
});
