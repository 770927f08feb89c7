/**
 * A CLI command's hold on the studio: the store (from --db, FSAM_DB or the default file) and its run
 * manager, a way to follow a run to its end with a progress display, and Ctrl+C handling that stops the
 * runs with a checkpoint (resumable with `fsam-studio runs resume`) instead of losing them.
 */
import { StudioService } from '../api/service.js';
import type { RunInfo } from '../api/types.js';
import { defaultConcurrency } from '../runs/manager.js';
import { resolveDatabasePath } from '../platform/location.js';
import { createProgressReporter } from './progress.js';
import { UsageError } from './usage.js';

export const STORE_FLAGS = {
  db: { type: 'string' },
  concurrency: { type: 'string' },
} as const;

export const STORE_FLAGS_HELP = `Store:
  --db FILE              the SQLite file of runs (default: FSAM_DB, else ${resolveDatabasePath(undefined, {})})
  --concurrency N        runs trained at once (default ${defaultConcurrency()}: one per two cores)`;

/** Exit code of a command cut short by Ctrl+C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

export interface Session {
  service: StudioService;
  /** True once Ctrl+C asked the runs to stop. */
  readonly interrupted: boolean;
  follow(run: RunInfo, label: string, json: boolean): Promise<RunInfo>;
  close(): Promise<void>;
}

export function openSession(flags: { db?: string; concurrency?: string }): Session {
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number ≥ 1, got "${flags.concurrency}"`);
  }
  const service = StudioService.open({ databasePath: resolveDatabasePath(flags.db), concurrency });
  let interrupted = false;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= service.close());
  const onInterrupt = () => {
    if (interrupted) {
      process.stderr.write('\nfsam-studio: quitting now; the runs will show as interrupted and can be resumed from their last epoch\n');
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    process.stderr.write('\nfsam-studio: stopping the runs with a checkpoint (Ctrl+C again to quit at once)…\n');
    void close();
  };
  process.on('SIGINT', onInterrupt);
  return {
    service,
    get interrupted() {
      return interrupted;
    },
    async follow(run, label, json) {
      const reporter = createProgressReporter(label, json ? 'json' : 'auto');
      const unsubscribe = service.subscribeRun(run.id, {}, (event) => reporter.onEvent(event));
      const ended = await service.manager.waitForEnd(run.id);
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
