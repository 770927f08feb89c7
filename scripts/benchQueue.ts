/**
 * `npm run bench:queue`: what the job queue costs and gains on this machine. A study of 12 small runs
 * (sgd, sam, fsam × 4 seeds) is trained through a real redis-server (random port, password) by 1, 2 and 3
 * `fsam-studio worker` processes, and on this machine's own run manager for reference; then one run is
 * trained locally and through one worker, for the queue path's overhead per step. It prints figures measured
 * in this one run (no thresholds: a shared machine's timings are for reading, not asserting).
 * `--workers 1,2,3` picks the worker counts; `--epochs N` the runs' length.
 */
import { parseArgs } from 'node:util';
import { StudioService } from '../app/api/service.js';
import { parseQueueUrl, type QueueUrl } from '../app/queue/queueUrl.js';
import type { TrainConfig } from '../app/training/config.js';
import { startWorker, type WorkerProcess } from '../test/support/queueWorkers.js';
import { redisMissing, startRedis } from '../test/support/redis.js';
import { temporaryFolder, tinyRunConfig } from '../test/support/runs.js';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '1,2,3' }, epochs: { type: 'string', default: '3' } }, strict: true });
const workerCounts = values.workers.split(',').map(Number);
const epochs = Number(values.epochs);
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(epochs) || epochs < 1) {
  console.error('--workers takes whole numbers ≥ 1 separated by commas, --epochs a whole number ≥ 1');
  process.exit(2);
}
if (redisMissing) {
  console.error(`bench:queue needs a Redis: ${redisMissing}`);
  process.exit(1);
}

const config: TrainConfig = tinyRunConfig({ epochs });
const SEEDS = [1, 2, 3, 4];
const ARMS = [{ optimizer: { name: 'sgd' as const } }, { optimizer: { name: 'sam' as const } }, { optimizer: { name: 'fsam' as const } }];
const folder = temporaryFolder('fsam-bench-queue-');
const redis = await startRedis();
const queue = parseQueueUrl(redis.url);
let databases = 0;

/** Seconds from the study's creation until its last run has ended (the workers, if any, already waiting). */
async function studySeconds(queueUrl: QueueUrl | undefined, concurrency = 1): Promise<{ seconds: number; steps: number }> {
  const service = StudioService.open({ databasePath: `${folder.path}/bench-${++databases}.db`, queue: queueUrl, concurrency });
  try {
    const started = performance.now();
    const study = await service.createStudy({ name: 'bench', config, arms: ARMS, seeds: SEEDS });
    const runIds = study.study.cells.flatMap((cell) => service.store.runsOfComparison(cell.comparisonId).map((run) => run.id));
    const ended = await Promise.all(runIds.map((id) => service.waitForEnd(id)));
    const seconds = (performance.now() - started) / 1000;
    const failed = ended.filter((run) => run.status !== 'completed');
    if (failed.length > 0) throw new Error(`run ${failed[0]!.id} ended ${failed[0]!.status}: ${failed[0]!.message}`);
    return { seconds, steps: ended.reduce((sum, run) => sum + run.step, 0) };
  } finally {
    await service.close();
  }
}

/** Milliseconds per step of one run from its start to its end, locally or through one worker. */
async function oneRunMsPerStep(queueUrl: QueueUrl | undefined): Promise<number> {
  const service = StudioService.open({ databasePath: `${folder.path}/bench-${++databases}.db`, queue: queueUrl, concurrency: 1 });
  try {
    const started = performance.now();
    const run = await service.startRun({ name: 'bench', config: tinyRunConfig({ epochs: epochs * 4 }) });
    const ended = await service.waitForEnd(run.id);
    if (ended.status !== 'completed') throw new Error(`the run ended ${ended.status}: ${ended.message}`);
    return (performance.now() - started) / ended.step;
  } finally {
    await service.close();
  }
}

async function withWorkers<T>(count: number, body: () => Promise<T>): Promise<T> {
  const workers: WorkerProcess[] = Array.from({ length: count }, () => startWorker(redis.url, { lockMs: 30_000 }));
  try {
    await Promise.all(workers.map((worker) => worker.ready()));
    return await body();
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
  }
}

try {
  console.log(`bench:queue — a study of ${SEEDS.length * ARMS.length} runs (sgd, sam, fsam × ${SEEDS.length} seeds; MLP on shapes10, ${epochs} epochs of ${config.data.trainCount! / config.batchSize} steps), redis-server on 127.0.0.1`);
  const local = await studySeconds(undefined);
  console.log(`  this machine's run manager (concurrency 1): ${local.seconds.toFixed(1)} s`);
  const rows: { workers: number; seconds: number }[] = [];
  for (const count of workerCounts) {
    const { seconds } = await withWorkers(count, () => studySeconds(queue));
    rows.push({ workers: count, seconds });
    console.log(`  ${count} worker${count === 1 ? '' : 's'}: ${seconds.toFixed(1)} s (${(local.seconds / seconds).toFixed(2)}× the local manager's speed)`);
  }
  const localMs = await oneRunMsPerStep(undefined);
  const queuedMs = await withWorkers(1, () => oneRunMsPerStep(queue));
  console.log(`  one run of ${epochs * 4} epochs: ${localMs.toFixed(1)} ms per step locally, ${queuedMs.toFixed(1)} ms through one worker: the queue path adds ${(queuedMs - localMs).toFixed(1)} ms per step (${((queuedMs / localMs - 1) * 100).toFixed(0)} %)`);
  console.log(JSON.stringify({ runs: SEEDS.length * ARMS.length, epochs, localStudySeconds: local.seconds, studyByWorkers: rows, perStep: { localMs, queuedMs, overheadMs: queuedMs - localMs } }));
} finally {
  await redis.close();
  folder.remove();
}
