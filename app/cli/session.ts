/**
 * A CLI command's hold on the studio: the store (from --db, FSAM_DB or the default file) and its run
 * manager, a way to follow a run to its end with a progress display, and Ctrl+C handling that stops the
 * runs with a checkpoint (resumable with `fsam-studio runs resume`) instead of losing them.
 */
import { StudioService } from '../api/service.js';
import type { RunInfo } from '../api/types.js';
import { defaultConcurrency } from '../runs/manager.js';
import { resolveDatabasePath } from '../platform/location.js';
import { queueFrom } from '../queue/queueUrl.js';
import { createProgressReporter } from './progress.js';
import { UsageError } from './usage.js';

export const STORE_FLAGS = {
  db: { type: 'string' },
  concurrency: { type: 'string' },
  queue: { type: 'string' },
} as const;

export const STORE_FLAGS_HELP = `Store:
  --db FILE              the SQLite file of runs (default: FSAM_DB, else ${resolveDatabasePath(undefined, {})})
  --concurrency N        runs trained at once (default ${defaultConcurrency()}: one per two cores)
  --queue URL            train new runs on remote workers through this job queue (Redis):
                         redis://[user:password@]host:port[/db], rediss://… for TLS; default FSAM_QUEUE_URL,
                         which keeps a password off the command line (fsam-studio worker --help)`;


/** Exit code of a command cut short by Ctrl+C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

export interface Session {
  service: StudioService;
  /** True once Ctrl+C asked the runs to stop. */
  readonly interrupted: boolean;
  follow(run: RunInfo, label: string, json: boolean): Promise<RunInfo>;
  /** The lines a command prints before its runs: where they train and where they are kept. */
  header(info: { backend: { name: string; device: string }; databasePath: string }): string;
  close(): Promise<void>;
}

export function openSession(flags: { db?: string; concurrency?: string; queue?: string }): Session {
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number ≥ 1, got "${flags.concurrency}"`);
  }
  const service = StudioService.open({ databasePath: resolveDatabasePath(flags.db), concurrency, queue: queueFrom(flags.queue) });
  let interrupted = false;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= service.close());
  const onInterrupt = () => {
    if (interrupted) {
      process.stderr.write('\nfsam-studio: quitting now; the runs will show as interrupted and can be resumed from their last epoch\n');
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    // runs on the queue belong to their workers: closing here only stops following them (the next open catches up)
    const queued = service.remote ? ` Runs on the queue ${service.remote.queueUrl.redacted} go on training on their workers; open the studio with the same queue to follow them again.` : '';
    process.stderr.write(`\nfsam-studio: stopping the runs on this machine with a checkpoint (Ctrl+C again to quit at once).${queued}\n`);
    void close();
  };
  process.on('SIGINT', onInterrupt);
  return {
    service,
    get interrupted() {
      return interrupted;
    },
    header(info) {
      const where = service.remote ? `queue: ${service.remote.queueUrl.redacted} (new runs train on its workers)` : `backend: ${info.backend.name} — ${info.backend.device}`;
      return `${where}\nstore: ${info.databasePath}`;
    },
    async follow(run, label, json) {
      const reporter = createProgressReporter(label, json ? 'json' : 'auto');
      const unsubscribe = service.subscribeRun(run.id, {}, (event) => reporter.onEvent(event));
      const ended = await service.waitForEnd(run.id);
      unsubscribe();
      reporter.close(ended);
      return ended;
    },
    async close() {
      process.off('SIGINT', onInterrupt);
      await close();
    },
  };
}
