/**
 * A real Redis for the queue's tests: Debian's redis-server on 127.0.0.1, a free port and a random password;
 * stopped at the end. Its data lives in an append-only file fsynced on every write (in a temporary folder), as a
 * production Redis's would, so that `stop()` then `start()` is a Redis lost for a while, not one wiped.
 * Tests skip (with the reason) where redis-server is not installed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';

export const REDIS_SERVER = process.env.FSAM_REDIS_SERVER ?? '/usr/bin/redis-server';
/** Why the queue's tests cannot run here, or undefined when they can. */
export const redisMissing = existsSync(REDIS_SERVER) ? undefined : `${REDIS_SERVER} is not installed (apt-get install redis-server; .ci/run does)`;

export interface TestRedis {
  port: number;
  password: string;
  /** redis://:password@127.0.0.1:port/0 */
  url: string;
  /** Kills the server (a lost Redis: connections drop, nothing more is answered); `start` brings it back with its data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and removes its data. */
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const dataFolder = mkdtempSync(join(tmpdir(), 'fsam-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    const persistence = ['--dir', dataFolder, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, ...persistence], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  const close = async () => {
    await stop();
    rmSync(dataFolder, { recursive: true, force: true });
  };
  await start();
  return { port, password, url: `redis://:${password}@127.0.0.1:${port}/0`, start, stop, close };
}

/**
 * A redis-server for the tests of one file: started before them (unless redis-server is missing: they skip
 * with `redisMissing`) and stopped after them. Returns the running server, for the tests to use.
 */
export function redisForTests(): () => TestRedis {
  let redis: TestRedis | undefined;
  before(async () => {
    if (redisMissing === undefined) redis = await startRedis();
  });
  after(async () => {
    await redis?.close();
  });
  return () => redis ?? assert.fail(`redis-server is not running: ${redisMissing ?? 'a test ran before the file started it'}`);
}
