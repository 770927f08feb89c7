/** `fsam-studio worker` processes for the queue's tests and benchmark (real processes on a real Redis). */
import { spawnCli } from './cli.js';
import { until } from './runs.js';

export type WorkerProcess = ReturnType<typeof startWorker>;

/**
 * A worker process; its output is collected, and `kill()` is a SIGKILL. A short lock hands a killed worker's
 * job on quickly; a worker that must outlive a Redis outage needs a lock longer than the outage.
 */
export function startWorker(url: string, { lockMs = 2000 } = {}) {
  const child = spawnCli(['worker', '--queue', url, '--lock-ms', String(lockMs)]);
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

