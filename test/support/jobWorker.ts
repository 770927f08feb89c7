/**
 * A small worker for the job helper's tests (test/jobs/workerJob.test.ts): what it does is chosen by
 * `workerData.mode`. Loaded outside a worker thread (the test runner may load every file here) it does nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';

export type JobWorkerMode = 'result' | 'throw' | 'report-failure' | 'exit' | 'quiet' | 'busy' | 'stoppable';

export type JobWorkerMessage = { type: 'progress'; value: number } | { type: 'result'; value: string } | { type: 'failed'; message: string };

const port = parentPort;
if (port !== null) {
  const post = (message: JobWorkerMessage) => port.postMessage(message);
  const { mode, steps = 3 } = workerData as { mode: JobWorkerMode; steps?: number };
  switch (mode) {
    case 'result':
      for (let value = 1; value <= steps; value++) post({ type: 'progress', value });
      post({ type: 'result', value: `done after ${steps}` });
      break;
    case 'throw':
      throw new RangeError('bad input 7');
    case 'report-failure':
      post({ type: 'failed', message: 'the checkpoint is unreadable' });
      // and stays, as a worker that reported its failure may: the helper ends it
      setInterval(() => {}, 1000);
      break;
    case 'exit':
      post({ type: 'progress', value: 1 });
      process.exit(3);
    case 'quiet':
      // ends without a word
      break;
    case 'busy': {
      // reports progress forever and ignores every message, a stop included
      let value = 0;
      setInterval(() => post({ type: 'progress', value: ++value }), 2);
      break;
    }
    case 'stoppable': {
      // works until asked to stop, then gives its result and ends by itself; answers a ping with progress -1
      const work = setInterval(() => {}, 2);
      port.on('message', (message: { type: string }) => {
        if (message.type === 'ping') post({ type: 'progress', value: -1 });
        if (message.type !== 'stop') return;
        clearInterval(work);
        post({ type: 'result', value: 'stopped cleanly' });
        port.close();
      });
      break;
    }
  }
}
