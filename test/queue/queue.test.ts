/**
 * The job queue with real parts: a real redis-server (password, random port), real worker processes
 * (`fsam-studio worker`), the real trainer and a real SQLite store. A study fans out to two workers; one is
 * killed with SIGKILL mid-run and the studio is closed and reopened mid-study, and still every run completes
 * with every step once and the killed run's weights equal an uninterrupted local run's bit for bit.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
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
import { runCli } from '../support/cli.js';
import { startWorker } from '../support/queueWorkers.js';
import { redisForTests, redisMissing } from '../support/redis.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const skip = redisMissing;
const folder = temporaryFolder('fsam-queue-');
const runningRedis = redisForTests();
after(() => folder.remove());

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
  const redis = runningRedis();
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
    // the worker logs the refusal just before BullMQ records the failure
    const deadline = Date.now() + 10_000;
    while ((await bogus.getState()) !== 'failed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
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

    // its checkpoint came home: the model exports from the studio's files folder
    const onnx = await service.exportRun({ runId: victim!.id, format: 'onnx' });
    assert.ok(onnx.files[0]!.path.startsWith(service.store.runFolder(victim!.id)), 'the export lies in the run\'s files folder');
    assert.ok(statSync(onnx.files[0]!.path).size > 1000);

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

    // the command line: train --queue says where the run trains, with the URL redacted
    const cliDatabase = `${folder.path}/cli.db`;
    const train = await runCli(['train', '--queue', redis.url, '--db', cliDatabase, '--model', 'mlp', '--data', 'shapes10', '--epochs', '1', '--optimizer', 'fsam']);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /queue: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 \(new runs train on its workers\)/);
    assert.match(train.stdout, /run 1 fsam: \d+ steps .* parameters, \w+ on \S+/, 'the run line names the worker host');
    const listed = await runCli(['runs', 'list', '--json', '--db', cliDatabase]);
    assert.equal(listed.code, 0, listed.stderr);
    const [cliRun] = JSON.parse(listed.stdout).runs as RunInfo[];
    assert.equal(cliRun!.placement, 'queue');
    assert.equal(cliRun!.status, 'completed');

    // the password is nowhere: not in the stores, not in what the command line or the workers printed
    for (const file of [databasePath, cliDatabase]) assert.equal(readFileSync(file).includes(Buffer.from(redis.password)), false, `${file} holds no password`);
    for (const output of [train.stdout, train.stderr, listed.stdout]) assert.equal(output.includes(redis.password), false, 'the command line prints no password');
    for (const worker of workers) assert.equal(worker.output.includes(redis.password), false, 'the worker prints no password');
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) await worker.kill();
  }
});

test('a wrong password is refused in words, without echoing it, and nothing trains', { skip, timeout: 120_000 }, async () => {
  const redis = runningRedis();
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

test('pause, resume, stop, resume, Ctrl+C on the worker and delete a queued run; a run stopped while it waits; Redis lost for a while mid-run', { skip, timeout: 600_000 }, async () => {
  const redis = runningRedis();
  const queue = parseQueueUrl(redis.url);
  const worker = startWorker(redis.url, { lockMs: 20_000 });
  const workers = [worker];
  const service = StudioService.open({ databasePath: `${folder.path}/control.db`, queue, concurrency: 1 });
  const client = new Redis(queue.connection);
  client.on('error', () => {}); // while Redis is away on purpose
  try {
    await worker.ready();
    const run = await service.startRun({ name: 'controlled', config: tinyRunConfig({ epochs: 80, data: { name: 'shapes10', trainCount: 512, testCount: 64, size: 12, channels: 1 } }) });
    const now = () => service.store.getRun(run.id);
    await until(() => now().status === 'running' && now().step >= 3, 'the queued run to train');
    assert.match(now().workerHost ?? '', /./, 'the worker host is shown');

    // a second run waits behind it (one worker, concurrency 1) and is stopped before it starts
    const waiting = await service.startRun({ name: 'waiting', config: tinyRunConfig() });
    assert.equal(now().status, 'running');
    const stoppedWaiting = await service.stopRun(waiting.id);
    assert.equal(stoppedWaiting.status, 'stopped');
    assert.equal(stoppedWaiting.message, 'stopped before a worker started it');

    // pause: the worker stops stepping (what was already sent still arrives), resume continues
    await service.pauseRun(run.id);
    assert.equal(now().status, 'paused');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pausedAt = now().step;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(now().step, pausedAt, 'no step is trained while paused');
    await service.resumeRun(run.id);
    assert.equal(now().status, 'running');
    await until(() => now().step > pausedAt + 2, 'the run to train again after resume');

    // Redis is lost for 3 s: the worker keeps training, buffers its events and sends them once Redis is back
    const lostAt = now().step;
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.ok(now().step - lostAt <= 16, 'little arrives while Redis is away');
    await redis.start();
    await until(() => now().step > lostAt + 20, 'the steps trained while Redis was away to arrive', 120_000);
    assert.equal(now().status, 'running');
    assert.doesNotMatch(worker.output, /could not send an event/, 'no event was dropped');
    assertStepsComplete(service.store, { ...now(), totalSteps: now().step });

    // stop: the worker checkpoints and the run ends stopped; resume sends it back to the queue from that checkpoint
    const stopped = await service.stopRun(run.id).then(() => service.waitForEnd(run.id));
    assert.equal(stopped.status, 'stopped', stopped.message ?? '');
    const checkpoint = service.store.latestCheckpoint(run.id);
    assert.ok(checkpoint, 'a stopped run has a checkpoint in its files folder');
    assert.equal(checkpoint.step, stopped.step);
    await service.resumeRun(run.id);
    assert.equal(now().queueAttempt, 2);
    await until(() => now().status === 'running' && now().step > stopped.step, 'the resumed run to train on');
    await until(() => worker.output.includes(`run ${run.id}: training on`) && new RegExp(`run ${run.id}: training on \\w+, resumed at step ${stopped.step}`).test(worker.output), 'the worker to resume from the checkpoint');
    assertStepsComplete(service.store, { ...now(), totalSteps: now().step });

    // Ctrl+C on the worker: the run checkpoints and goes back to the queue (not failed); the next worker continues it
    worker.child.kill('SIGINT');
    assert.equal(await worker.exited, 0, worker.output);
    await until(() => now().status === 'queued', 'the run to go back to the queue');
    assert.match(now().message ?? '', /was stopped; the run waits in the queue for a worker and continues from its checkpoint/);
    const handedBackAt = now().step;
    assert.equal(service.store.latestCheckpoint(run.id)?.step, handedBackAt, 'the checkpoint written on Ctrl+C reached the studio');
    const second = startWorker(redis.url);
    workers.push(second);
    await second.ready();
    await until(() => now().status === 'running' && now().step > handedBackAt, 'another worker to continue the run');
    assert.match(second.output, new RegExp(`run ${run.id}: training on \\w+, resumed at step ${handedBackAt}`));
    assertStepsComplete(service.store, { ...now(), totalSteps: now().step });

    // delete mid-run: the worker stops, and the run is gone from the store, its files and Redis
    const runFolder = service.store.runFolder(run.id);
    await service.deleteRun(run.id);
    assert.equal(service.store.findRun(run.id), undefined);
    assert.equal(existsSync(runFolder), false, 'its files folder is removed');
    const studioId = service.remote!.studioId;
    assert.equal(await client.exists(keys.checkpoint(studioId, run.id), keys.control(studioId, run.id)), 0, 'its checkpoint and control keys are removed from Redis');
    await until(() => new RegExp(`run ${run.id}: stopped`).test(second.output), 'the worker to stop the deleted run');
  } finally {
    client.disconnect();
    await service.close();
    for (const each of workers) if (each.child.exitCode === null) await each.kill();
  }
});
