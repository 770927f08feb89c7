/**
 * What the desktop app opens its service with, from its command line and environment: the store
 * (`--db FILE`, then FSAM_DB, then studio.db in Electron's userData folder — the same default file as the
 * CLI's, see app/platform/location.ts), `--concurrency N`, a job queue (`--queue URL`, then FSAM_QUEUE_URL), and in development the Electron-ABI build of
 * better-sqlite3 (electronNative.ts). No Electron import: main.ts passes Electron's values in.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceOptions } from '../../app/api/service.js';
import { queueFrom } from '../../app/queue/queueUrl.js';
import { DATABASE_FILE_NAME, resolveDatabasePath } from '../../app/platform/location.js';
import { electronSqliteBindingPath } from './electronNative.js';

export interface DesktopOptionsInput {
  /** process.argv: Electron's executable, then (in development) the app's folder, then the user's arguments. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** app.getPath('userData'). */
  userDataFolder: string;
  /** app.isPackaged. */
  packaged: boolean;
  /** Where electronNative.ts put the Electron-ABI better-sqlite3 (default: build/electron-native). */
  electronNativeFolder?: string;
}

export type DesktopOptions = ServiceOptions & { databasePath: string };

export class DesktopUsageError extends Error {
  override name = 'DesktopUsageError';
}

export function desktopOptions(input: DesktopOptionsInput): DesktopOptions {
  // strict: false — Chromium's own switches (--enable-logging, --ozone-platform=…) may be on the line too
  const { values } = parseArgs({
    args: input.argv.slice(1),
    options: { db: { type: 'string' }, concurrency: { type: 'string' }, queue: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  if (values.db !== undefined && (typeof values.db !== 'string' || values.db === '')) throw new DesktopUsageError('--db needs a file: --db FILE (or --db=FILE)');
  const databasePath =
    typeof values.db === 'string' || input.env.FSAM_DB ? resolveDatabasePath(values.db as string | undefined, input.env) : join(input.userDataFolder, DATABASE_FILE_NAME);

  const options: DesktopOptions = { databasePath };
  if (values.concurrency !== undefined) {
    const concurrency = Number(values.concurrency);
    if (typeof values.concurrency !== 'string' || !Number.isInteger(concurrency) || concurrency < 1) {
      throw new DesktopUsageError(`--concurrency must be a whole number ≥ 1, got "${String(values.concurrency)}"`);
    }
    options.concurrency = concurrency;
  }
  // a job queue as the CLI takes it (--queue, else FSAM_QUEUE_URL); Settings can connect one later too
  if (values.queue !== undefined && typeof values.queue !== 'string') throw new DesktopUsageError('--queue needs a URL: --queue redis://… (or FSAM_QUEUE_URL)');
  try {
    const queue = queueFrom(values.queue as string | undefined, input.env);
    if (queue) options.queue = queue;
  } catch (error) {
    throw new DesktopUsageError((error as Error).message); // the message names the flag and never repeats the URL
  }
  // packaged, electron-builder has rebuilt node_modules' own copy for Electron
  if (!input.packaged) options.sqliteNativeBinding = electronSqliteBindingPath(input.electronNativeFolder);
  return options;
}
