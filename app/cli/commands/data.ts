/** `data get NAME` downloads a public data set into the cache; `data list` shows what the cache holds. */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { DOWNLOADABLE_DATASETS, isDownloadable } from '../../data/download/catalog.js';
import { CACHE_ENV, listCachedDatasets, resolveDataCache } from '../../data/download/cache.js';
import { CHECKSUMS_ENV, downloadDataset, MIRROR_ENV, readChecksumFile, type DownloadProgress } from '../../data/download/download.js';
import { formatTable } from '../table.js';
import { joinNegativeValues, usageErrorFrom } from '../args.js';
import { UsageError } from '../usage.js';

export const DATA_HELP = `fsam-studio data — public data sets, downloaded once and kept in a cache

Usage:
  fsam-studio data get NAME [--cache DIR] [--mirror URL] [--checksums FILE] [--json]
  fsam-studio data list [--cache DIR] [--json]

NAME: ${DOWNLOADABLE_DATASETS.join(', ')}. A run then names it: --data NAME (or {"data": {"name": NAME}}).

  --cache DIR        the cache folder (default: FSAM_DATA_CACHE, else "datasets" in the studio's
                     application-data folder, next to the default store)
  --mirror URL       fetch from URL instead of the publisher (also FSAM_DATA_MIRROR); the file names
                     are appended, and {name} in URL is replaced by NAME
  --checksums FILE   a JSON file {"<file name>": "sha256:<hex>" | "md5:<hex>"} replacing the published
                     checksums, for a mirror that serves recompressed files (also FSAM_DATA_CHECKSUMS)
  --json             print one JSON object instead of progress

A broken transfer is continued by the next \`data get\` (HTTP Range). Every file is checked against its
checksum before it is used; a file that does not match is deleted.`;

const FLAGS = {
  cache: { type: 'string' },
  mirror: { type: 'string' },
  checksums: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const megabytes = (bytes: number): string => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);

interface ProgressDisplay {
  update(progress: DownloadProgress): void;
  stop(): void;
}

/** A bar on a terminal (stderr); on a pipe, a line when a file starts, at each quarter, and when it is verified. */
function progressDisplay(mode: 'json' | 'auto'): ProgressDisplay {
  if (mode === 'json') return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: '{file} |{bar}| {percentage}%  {done} of {size}  {phase}', stream: process.stderr, hideCursor: true, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    let file = '';
    return {
      update(progress) {
        const total = progress.totalBytes ?? Math.max(progress.receivedBytes, 1);
        const payload = { file: progress.file, done: megabytes(progress.receivedBytes), size: megabytes(total), phase: progress.phase === 'download' ? '' : progress.phase };
        if (progress.file !== file) {
          if (file !== '') bar.stop();
          file = progress.file;
          bar.start(total, progress.receivedBytes, payload);
        } else {
          bar.setTotal(total);
          bar.update(progress.receivedBytes, payload);
        }
      },
      stop: () => bar.stop(),
    };
  }
  let file = '';
  let quarter = 0;
  return {
    update(progress) {
      const prefix = `${progress.dataset}: ${progress.file} (${progress.fileIndex + 1}/${progress.fileCount})`;
      if (progress.phase === 'download') {
        if (progress.file !== file) {
          file = progress.file;
          quarter = 0;
          const resumed = progress.resumedFrom > 0 ? `, continuing at ${megabytes(progress.resumedFrom)}` : '';
          console.log(`${prefix}: downloading${progress.totalBytes !== null ? ` ${megabytes(progress.totalBytes)}` : ''}${resumed}`);
        }
        if (progress.totalBytes) {
          const reached = Math.floor((4 * progress.receivedBytes) / progress.totalBytes);
          if (reached > quarter && reached < 4) {
            quarter = reached;
            console.log(`${prefix}: ${reached * 25} %`);
          }
        }
      } else if (progress.phase === 'verify') {
        console.log(`${prefix}: ${megabytes(progress.receivedBytes)} received, verifying the checksum`);
      } else if (progress.phase === 'unpack') {
        console.log(`${prefix}: unpacking`);
      }
    },
    stop: () => {},
  };
}

async function getCommand(names: string[], flags: { cache?: string; mirror?: string; checksums?: string; json?: boolean }): Promise<number> {
  if (names.length !== 1) throw new UsageError(`data get takes one data set name (${DOWNLOADABLE_DATASETS.join(', ')}); got ${names.length === 0 ? 'none' : names.join(' ')}`);
  const name = names[0]!;
  if (!isDownloadable(name)) throw new UsageError(`"${name}" is not a data set that can be downloaded; use one of ${DOWNLOADABLE_DATASETS.join(', ')}`);
  const cache = resolveDataCache(flags.cache);
  const mirror = flags.mirror ?? (process.env[MIRROR_ENV] || undefined);
  if (mirror !== undefined && !/^https?:\/\//.test(mirror)) throw new UsageError(`--mirror must be an http:// or https:// URL, got "${mirror}"`);
  const checksumFile = flags.checksums ?? (process.env[CHECKSUMS_ENV] || undefined);
  const checksums = checksumFile ? readChecksumFile(checksumFile) : undefined;
  const display = progressDisplay(flags.json ? 'json' : 'auto');
  let result;
  try {
    result = await downloadDataset(name, { cache, mirror, checksums, onProgress: (progress) => display.update(progress) });
  } finally {
    display.stop();
  }
  if (flags.json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (result.alreadyCached) {
    console.log(`${name} is already downloaded, in ${result.folder}`);
  } else {
    const resumed = result.files.filter((file) => file.resumedFrom > 0).map((file) => file.name);
    console.log(`${name}: verified and ready in ${result.folder}${resumed.length > 0 ? ` (continued: ${resumed.join(', ')})` : ''}; train on it with --data ${name}`);
  }
  return 0;
}

function listCommand(flags: { cache?: string; json?: boolean }): number {
  const cache = resolveDataCache(flags.cache);
  const sets = listCachedDatasets(cache);
  if (flags.json) {
    console.log(JSON.stringify({ cache, datasets: sets }, null, 2));
    return 0;
  }
  console.log(`cache: ${cache}${process.env[CACHE_ENV] && !flags.cache ? ` (from ${CACHE_ENV})` : ''}`);
  const state = (set: (typeof sets)[number]): string => (set.cached ? 'downloaded' : set.bytes > 0 ? 'incomplete (data get continues it)' : 'not downloaded');
  console.log(formatTable(['name', 'state', 'size', 'what'], sets.map((set) => [set.name, state(set), set.bytes > 0 ? megabytes(set.bytes) : '—', set.description])));
  return 0;
}

export async function dataCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, FLAGS), options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFrom(error, ' (fsam-studio data --help)');
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    console.log(DATA_HELP);
    return values.help ? 0 : 2;
  }
  if (action === 'get') return getCommand(rest, values);
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`data list takes no names; got ${rest.join(' ')}`);
    return listCommand(values);
  }
  throw new UsageError(`"data ${action}" is not a command; use data get NAME or data list`);
}
