/**
 * `worker`: this machine trains runs for a studio elsewhere, taken from a job queue (app/queue/remoteWorker.ts).
 * Ctrl+C (or SIGTERM) stops its runs with a checkpoint and hands their jobs back to the queue.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../../engine/backend.js';
import { RemoteWorker } from '../../queue/remoteWorker.js';
import { usageErrorFrom } from '../args.js';
import { queueFrom } from '../../queue/queueUrl.js';
import { UsageError } from '../usage.js';

export const WORKER_HELP = `fsam-studio worker — train runs that a studio puts on a job queue (Redis, with BullMQ)

Usage: fsam-studio worker --queue redis://[user:password@]host:port[/db] [--concurrency N]

  --queue URL            the studio's queue; rediss://… for TLS. Default FSAM_QUEUE_URL, which keeps the
                         password off the command line (and out of the process list)
  --concurrency N        runs trained at once (default 1)
  --lock-ms N            how long a job stays with a worker that stopped answering (killed) before another
                         takes it, resuming from its last checkpoint (default 30000)

Ctrl+C stops every run with a checkpoint and returns its job to the queue for another worker.
Never expose the queue to the internet: whoever reaches it reads the runs and can feed jobs (README).`;

const FLAGS = {
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export async function workerCommand(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageErrorFrom(error);
  }
  if (flags.help) {
    console.log(WORKER_HELP);
    return 0;
  }
  const queue = queueFrom(flags.queue);
  if (!queue) throw new UsageError('worker: give the queue with --queue URL or FSAM_QUEUE_URL');
  const concurrency = wholeNumber('concurrency', flags.concurrency, 1, 1);
  const lockMs = wholeNumber('lock-ms', flags['lock-ms'], 30_000, 1000);
  const backend = await initBackend();
  const worker = await RemoteWorker.start({ queue, concurrency, lockDurationMs: lockMs, stalledIntervalMs: lockMs, log: (line) => console.log(line) });
  console.log(`worker on ${hostname()}: backend ${backend.name}, ${backend.device}; queue ${queue.redacted}; concurrency ${concurrency}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      console.log('stopping: the runs write a checkpoint and go back to the queue…');
      void worker.shutdown().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('worker stopped');
  return 0;
}
