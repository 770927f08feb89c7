/**
 * Fetches a catalog data set into the cache: each file into NAME/<file>.partial (resumed with an HTTP Range
 * request when an earlier transfer broke), verified against its checksum, only then renamed to its real
 * name; archives are unpacked into a scratch folder and moved into place; the marker file comes last.
 * A wrong checksum deletes the bad file. Nothing unverified is ever read as a data set.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { CATALOG, fileUrl, type Checksum, type DownloadableDataset, type RemoteFile } from './catalog.js';
import { COMPLETE_MARKER, datasetCacheFolder, readMarker, type CompleteMarker } from './cache.js';
import { extractTarGz } from './tar.js';
import { describeFsError, describeJsonError } from '../fileErrors.js';
import { parseOrProblems } from '../../validation.js';
import type { DatasetDownloadProgress } from '../../domain/index.js';

export const MIRROR_ENV = 'FSAM_DATA_MIRROR';
export const CHECKSUMS_ENV = 'FSAM_DATA_CHECKSUMS';

/** What the UI shows of a download (DatasetDownloadProgress), plus the data set and where a resumed transfer began. */
export interface DownloadProgress extends DatasetDownloadProgress {
  dataset: DownloadableDataset;
  /** This transfer continued a broken one from this byte (0: from the start). */
  resumedFrom: number;
}

export interface DownloadOptions {
  cache: string;
  /** Base URL replacing the catalog's sources ({name} is replaced by the data set's name). */
  mirror?: string;
  /** Checksums replacing the catalog's, by file name (a mirror that serves recompressed files). */
  checksums?: Record<string, Checksum>;
  onProgress?: (progress: DownloadProgress) => void;
  /** Aborting stops the transfer; what arrived stays in the .partial file for the next attempt. */
  signal?: AbortSignal;
}

export interface DownloadResult {
  name: DownloadableDataset;
  folder: string;
  alreadyCached: boolean;
  files: { name: string; bytes: number; resumedFrom: number; url: string | null }[];
}

/** A transfer that can be continued: the .partial file is kept. */
export class TransferError extends Error {
  override name = 'TransferError';
}

/** A file whose bytes are not the published ones: it was deleted. */
export class ChecksumError extends Error {
  override name = 'ChecksumError';
}

const checksumText = z
  .string()
  .regex(/^(md5:[0-9a-fA-F]{32}|sha256:[0-9a-fA-F]{64})$/, { error: 'must be "md5:<32 hex digits>" or "sha256:<64 hex digits>"' });
const checksumFileSchema = z.record(z.string().min(1), checksumText);

/** Reads a checksum file: {"train-images-idx3-ubyte.gz": "sha256:…", …}. */
export function readChecksumFile(path: string): Record<string, Checksum> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // V8's JSON errors quote the text; the code or the position is enough to find the problem
    const why = (error as NodeJS.ErrnoException).code !== undefined ? describeFsError(error) : describeJsonError(error);
    throw new Error(`checksum file ${path}: cannot read it as JSON (${why})`);
  }
  const parsed = parseOrProblems(checksumFileSchema, raw, { whole: 'the file' });
  if (!parsed.ok) {
    const { field, message } = parsed.problems[0]!;
    throw new Error(`checksum file ${path}: ${field} ${message}; write {"<file name>": "sha256:<hex>", …}`);
  }
  return Object.fromEntries(
    Object.entries(parsed.value).map(([file, value]) => {
      const [algorithm, hex] = value.split(':') as ['md5' | 'sha256', string];
      return [file, { algorithm, hex: hex.toLowerCase() }];
    }),
  );
}

async function fileDigest(path: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** Total size from a 206's Content-Range ("bytes 100-199/200") or a 200's Content-Length. */
function totalFrom(response: Response, start: number): number | null {
  const range = response.headers.get('content-range');
  const match = range ? /\/(\d+)\s*$/.exec(range) : null;
  if (match) return Number(match[1]);
  const length = response.headers.get('content-length');
  return length === null ? null : Number(length) + (response.status === 206 ? start : 0);
}

/**
 * Downloads one file to `partial`, continuing what is there. Returns where from it resumed.
 * Throws TransferError (partial kept) when the server fails or the connection breaks.
 */
async function transfer(
  url: string,
  partial: string,
  report: (received: number, total: number | null, resumedFrom: number) => void,
  fileLabel: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  const start = sizeOf(partial);
  let response: Response;
  try {
    response = await fetch(url, { headers: start > 0 ? { Range: `bytes=${start}-` } : {}, redirect: 'follow', signal });
  } catch (error) {
    if (signal?.aborted) throw new TransferError(`${fileLabel}: the download was stopped before it began`);
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new TransferError(`${fileLabel}: cannot reach ${url} (${cause})`);
  }
  if (response.status === 416 && start > 0) {
    // the partial file already holds everything the server has: verification decides
    await response.body?.cancel();
    report(start, start, start);
    return start;
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new TransferError(`${fileLabel}: ${url} answered HTTP ${response.status} ${response.statusText}`);
  }
  const resumedFrom = response.status === 206 ? start : 0;
  const total = totalFrom(response, start);
  let received = resumedFrom;
  report(received, total, resumedFrom);
  // a 200 to a Range request means the server sends the whole file: start over. Each chunk is written
  // before the next is read, so whatever arrived before a break is on disk for the next attempt.
  const output = await open(partial, resumedFrom > 0 ? 'a' : 'w');
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      await output.write(chunk);
      received += chunk.length;
      report(received, total, resumedFrom);
    }
  } catch (error) {
    if (signal?.aborted) throw new TransferError(`${fileLabel}: the download was stopped after ${received} bytes; the next download continues from there`);
    const cause = (error as Error & { cause?: Error }).cause?.message;
    throw new TransferError(
      `${fileLabel}: the transfer from ${url} broke after ${received}${total !== null ? ` of ${total}` : ''} bytes (${(error as Error).message}${cause ? `: ${cause}` : ''}); run the download again to continue where it stopped`,
    );
  } finally {
    await output.close();
  }
  if (total !== null && received < total) {
    throw new TransferError(`${fileLabel}: the transfer from ${url} ended after ${received} of ${total} bytes; run the download again to continue where it stopped`);
  }
  return resumedFrom;
}

/** Downloads, verifies (and unpacks) a catalog data set into the cache. */
export async function downloadDataset(name: DownloadableDataset, options: DownloadOptions): Promise<DownloadResult> {
  const entry = CATALOG[name];
  const folder = datasetCacheFolder(options.cache, name);
  if (readMarker(options.cache, name)) return { name, folder, alreadyCached: true, files: [] };
  mkdirSync(folder, { recursive: true });
  const sources = options.mirror ? [options.mirror] : entry.sources;
  const results: DownloadResult['files'] = [];
  const unpacked: string[] = [];
  for (const [fileIndex, file] of entry.files.entries()) {
    const progress = (phase: DownloadProgress['phase'], receivedBytes: number, totalBytes: number | null, resumedFrom = 0): void =>
      options.onProgress?.({ dataset: name, file: file.name, fileIndex, fileCount: entry.files.length, phase, receivedBytes, totalBytes, resumedFrom });
    const outcome = await fetchVerified(name, file, folder, sources, options.checksums?.[file.name] ?? file.checksum, progress, options.signal);
    results.push(outcome);
    if (file.archive) {
      progress('unpack', outcome.bytes, outcome.bytes);
      unpacked.push(...(await unpack(join(folder, file.name), folder)));
    }
    progress('done', outcome.bytes, outcome.bytes);
  }
  const marker: CompleteMarker = {
    name,
    files: [...entry.files.filter((file) => !file.archive).map((file) => file.name), ...unpacked],
    downloadedAt: Date.now(),
    source: options.mirror ?? results.map((r) => r.url ?? '').find((url) => url !== '') ?? entry.sources[0]!,
  };
  writeFileSync(join(folder, COMPLETE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return { name, folder, alreadyCached: false, files: results };
}

async function fetchVerified(
  dataset: DownloadableDataset,
  file: RemoteFile,
  folder: string,
  sources: string[],
  checksum: Checksum,
  progress: (phase: DownloadProgress['phase'], received: number, total: number | null, resumedFrom?: number) => void,
  signal: AbortSignal | undefined,
): Promise<DownloadResult['files'][number]> {
  const target = join(folder, file.name);
  // only verified files ever carry their real name (an archive is deleted once unpacked)
  if (existsSync(target)) return { name: file.name, bytes: sizeOf(target), resumedFrom: 0, url: null };
  const partial = `${target}.partial`;
  const failures: string[] = [];
  for (const base of sources) {
    const url = fileUrl(base, dataset, file.name);
    let resumedFrom: number;
    try {
      resumedFrom = await transfer(url, partial, (received, total, from) => progress('download', received, total ?? file.bytes, from), file.name, signal);
    } catch (error) {
      if (!(error instanceof TransferError) || signal?.aborted) throw error;
      failures.push(error.message);
      // a broken transfer is resumed by the next `data get`, from the same source
      if (sizeOf(partial) > 0) break;
      continue;
    }
    const bytes = sizeOf(partial);
    progress('verify', bytes, bytes);
    const digest = await fileDigest(partial, checksum.algorithm);
    if (digest !== checksum.hex) {
      rmSync(partial, { force: true });
      throw new ChecksumError(
        `${file.name}: the downloaded file (${bytes} bytes from ${url}) has ${checksum.algorithm} ${digest}, expected ${checksum.hex}; the bad file was deleted. ` +
          'Run the download again; if it fails the same way, the source serves different files (use another --mirror, or give its checksums with --checksums FILE)',
      );
    }
    renameSync(partial, target);
    return { name: file.name, bytes, resumedFrom, url };
  }
  throw new TransferError(failures.join('; '));
}

/** Unpacks an archive into a scratch folder, moves its top-level entries into `folder`, deletes the archive. */
async function unpack(archive: string, folder: string): Promise<string[]> {
  const scratch = join(folder, '.unpacking');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  const files = await extractTarGz(archive, scratch).catch((error: unknown) => {
    rmSync(scratch, { recursive: true, force: true });
    // a verified archive that does not unpack is useless: remove it so the next get fetches it again
    rmSync(archive, { force: true });
    throw error;
  });
  const tops = new Set(files.map((file) => file.split(/[\\/]/)[0]!));
  for (const top of tops) {
    rmSync(join(folder, top), { recursive: true, force: true });
    renameSync(join(scratch, top), join(folder, top));
  }
  rmSync(scratch, { recursive: true, force: true });
  rmSync(archive, { force: true });
  return files;
}
