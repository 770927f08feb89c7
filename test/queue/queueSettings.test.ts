/**
 * Where runs go, chosen while the studio runs (StudioApi.setQueue, Settings › Where runs train), against a
 * real redis-server (password, random port) and a real store: a wrong password or no server is refused in
 * words and changes nothing, a connected queue takes new runs until "this machine" is chosen, a queue with
 * runs on it stays, a lost Redis is said at once, and the password is never in the store nor in an answer.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { StudioService } from '../../app/api/service.js';
import { QUEUE_NAME, QUEUE_PREFIX } from '../../app/queue/jobs.js';
import { bullConnection, parseQueueUrl } from '../../app/queue/queueUrl.js';
import { ConfigError, StateError } from '../../app/validation.js';
import { redisForTests, redisMissing } from '../support/redis.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

const skip = redisMissing;
const testRedis = redisForTests();
const folder = temporaryFolder('fsam-queue-settings-');
after(() => folder.remove());

/** Asserts the call is refused with `kind`, its message matching `pattern` and holding no password. */
async function refused(call: Promise<unknown>, kind: typeof ConfigError | typeof StateError, pattern: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof kind, `expected a ${kind.name}, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.equal(error.message.includes(testRedis().password), false, `"${error.message}" holds the password`);
    return true;
  });
}

test('setQueue: refused in words for a wrong password or no server; once connected new runs go there, "this machine" brings them back; disconnecting waits for the queued runs', { skip, timeout: 180_000 }, async () => {
  const redis = testRedis();
  const databasePath = `${folder.path}/studio.db`;
  const service = StudioService.open({ databasePath, concurrency: 1 });
  const redacted = `redis://:***@127.0.0.1:${redis.port}/0`;
  const jobs = new Queue(QUEUE_NAME, { connection: bullConnection(parseQueueUrl(redis.url)), prefix: QUEUE_PREFIX });
  try {
    let info = await service.info();
    assert.equal(info.queue, null);
    assert.equal(info.newRuns, 'local');

    // nothing to send new runs to, a URL that is not one, a wrong password, a wrong user: each changes nothing
    await refused(service.setQueue({ newRuns: 'queue' }), ConfigError, /^request\.newRuns: .*only while one is connected/);
    await refused(service.setQueue({ url: `http://:${redis.password}@127.0.0.1:${redis.port}` }), ConfigError, /request\.url: must start with redis:\/\/ or rediss:\/\//);
    await refused(service.setQueue({ url: `redis://:not-${redis.password}@127.0.0.1:${redis.port}/0` }), StateError, new RegExp(`^the queue at ${escape(redacted)} refused the user name or password`));
    await refused(service.setQueue({ url: `redis://127.0.0.1:${redis.port}/0` }), StateError, /needs a password/);
    info = await service.info();
    assert.equal(info.queue, null, 'a refused queue is not kept');
    assert.equal(info.newRuns, 'local');

    // the right URL: shown redacted, connected, and new runs go there
    const connected = await service.setQueue({ url: redis.url });
    assert.deepEqual(connected, { queue: { url: redacted, connected: true }, newRuns: 'queue' });
    info = await service.info();
    assert.deepEqual({ queue: info.queue, newRuns: info.newRuns }, connected);
    assert.equal(JSON.stringify(info).includes(redis.password), false, 'info() holds no password');

    const queued = await service.startRun({ name: 'on the queue', config: tinyRunConfig() });
    assert.equal(queued.placement, 'queue');
    assert.equal(queued.status, 'queued');
    assert.equal(queued.workerHost, null, 'no worker has taken it');
    assert.equal(await jobs.getWaitingCount(), 1, 'its job waits in Redis for a worker');

    // another queue, or none, is refused while a run waits on this one: it could no longer be stopped
    await refused(service.setQueue({ url: null }), StateError, new RegExp(`run #${queued.id} still trains or waits on the job queue at ${escape(redacted)}; stop it`));
    await refused(service.setQueue({ url: `redis://:${redis.password}@127.0.0.1:${redis.port}/1` }), StateError, new RegExp(`run #${queued.id} still .* before switching to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/1`));
    assert.deepEqual((await service.info()).queue, { url: redacted, connected: true }, 'the queue stays');

    // "this machine": the queue stays connected (its run stays controllable), the next run trains here
    assert.deepEqual(await service.setQueue({ newRuns: 'local' }), { queue: { url: redacted, connected: true }, newRuns: 'local' });
    const local = await service.startRun({ name: 'here', config: tinyRunConfig() });
    assert.equal(local.placement, 'local');
    const ended = await service.waitForEnd(local.id);
    assert.equal(ended.status, 'completed', ended.message ?? '');
    assert.equal(await jobs.getWaitingCount(), 1, 'the local run made no job');

    // the queued run is still controlled through the queue: stopped before a worker took it, its job leaves Redis
    const stopped = await service.stopRun(queued.id);
    assert.equal(stopped.status, 'stopped', stopped.message ?? '');
    assert.equal(await jobs.getWaitingCount(), 0);

    // a lost Redis is said at once when a run would go there, not waited on for ever
    await redis.stop();
    await until(() => service.remote?.connected === false, 'the studio to notice Redis is gone', 30_000);
    assert.equal((await service.info()).queue?.connected, false);
    await refused(service.startRun({ config: tinyRunConfig(), placement: 'queue' }), StateError, new RegExp(`^no Redis answers at ${escape(redacted)}`));
    const before = service.remote;
    await refused(service.setQueue({ url: redis.url }), StateError, new RegExp(`^no Redis answers at ${escape(redacted)}`));
    assert.equal(service.remote, before, 'a queue that does not answer leaves the current one in place');
    await redis.start();
    await until(() => service.remote?.connected === true, 'the studio to reconnect by itself', 30_000);

    // disconnected: nothing goes to a queue any more, and runs go here again
    assert.deepEqual(await service.setQueue({ url: null }), { queue: null, newRuns: 'local' });
    assert.equal(service.remote, undefined);
    await refused(service.startRun({ config: tinyRunConfig(), placement: 'queue' }), ConfigError, /this studio has no job queue; connect one in Settings/);
    await refused(service.resumeRun(queued.id), ConfigError, /trains on a job queue; connect that queue in Settings/);
    // connected again later, new runs go there by default
    assert.deepEqual(await service.setQueue({ url: redis.url }), connected);
    assert.equal((await service.startRun({ config: tinyRunConfig() })).placement, 'queue');
  } finally {
    await jobs.close();
    await service.close();
  }

  // the store holds the queue's redacted address (its cursor), never the password
  for (const file of [databasePath, `${databasePath}-wal`]) {
    if (existsSync(file)) assert.equal(readFileSync(file).includes(Buffer.from(redis.password)), false, `${file} holds no password`);
  }
  assert.ok(readFileSync(databasePath).includes(Buffer.from(redacted)), 'the redacted address is what the store keys its cursor by');
});

/** A literal string as a regular expression. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
