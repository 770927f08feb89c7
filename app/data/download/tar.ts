/**
 * A small streaming reader for gzipped tar archives (ustar, with GNU long names and pax paths), enough for
 * the CIFAR archives. Regular files and folders are written under the destination; links and devices are
 * skipped; an absolute path or one with ".." is refused, so an archive cannot write outside it.
 */
import { closeSync, createReadStream, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, join, normalize, sep } from 'node:path';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

function text(block: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return Buffer.from(block.subarray(start, end)).toString('utf8');
}

function octal(block: Uint8Array, start: number, length: number): number {
  // GNU base-256 for sizes of 8 GB and more: high bit set in the first byte
  if (block[start]! & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const digits = text(block, start, length).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksumMatches(block: Uint8Array): boolean {
  const stored = octal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}

function safeTarget(destination: string, entryPath: string, archiveLabel: string): string {
  const cleaned = normalize(entryPath).replace(/^(\.\/)+/, '');
  if (cleaned.startsWith('/') || cleaned.split(/[\\/]/).includes('..') || /^[A-Za-z]:/.test(cleaned)) {
    throw new Error(`${archiveLabel}: the archive holds the path "${entryPath}", which points outside its folder; refusing to unpack it`);
  }
  return join(destination, cleaned.split('/').join(sep));
}

/** Unpacks `archivePath` (.tar.gz) into `destination`; returns the paths of the files written, relative to it. */
export async function extractTarGz(archivePath: string, destination: string): Promise<string[]> {
  const label = basename(archivePath);
  const written: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  // the entry being written: its remaining bytes, the padding after it, the open file (or -1: skipped / metadata)
  let remaining = 0;
  let padding = 0;
  let fd = -1;
  let metadata: Buffer[] | undefined;
  let metadataKind: 'longName' | 'pax' | undefined;
  let nextName: string | undefined;
  let ended = false;

  const startEntry = (header: Uint8Array): void => {
    if (!checksumMatches(header)) throw new Error(`${label}: a tar header's checksum is wrong; the archive is corrupt — download it again`);
    const type = String.fromCharCode(header[156]!);
    const size = octal(header, 124, 12);
    // POSIX ustar ("ustar\0") has a path prefix at 345; old GNU headers ("ustar  ") keep times there instead
    const posix = text(header, 257, 6) === 'ustar' && header[262] === 0;
    const prefix = posix ? text(header, 345, 155) : '';
    const name = nextName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    nextName = undefined;
    remaining = size;
    padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'L' || type === 'x') {
      metadata = [];
      metadataKind = type === 'L' ? 'longName' : 'pax';
      return;
    }
    if (type === '5') {
      mkdirSync(safeTarget(destination, name, label), { recursive: true });
      return;
    }
    if (type === '0' || type === '\0' || type === '7') {
      const target = safeTarget(destination, name, label);
      mkdirSync(dirname(target), { recursive: true });
      fd = openSync(target, 'w');
      written.push(normalize(name).replace(/^(\.\/)+/, ''));
      if (remaining === 0) {
        closeSync(fd);
        fd = -1;
      }
    }
    // anything else (links, pax globals, devices): its data is skipped
  };

  const finishMetadata = (): void => {
    const value = Buffer.concat(metadata!).toString('utf8');
    if (metadataKind === 'longName') nextName = value.replace(/\0+$/, '');
    else {
      const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(value);
      if (match) nextName = match[1];
    }
    metadata = undefined;
    metadataKind = undefined;
  };

  const input = createReadStream(archivePath).pipe(createGunzip());
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (!ended) {
        if (remaining > 0) {
          const take = Math.min(remaining, pending.length - offset);
          if (take === 0) break;
          const piece = pending.subarray(offset, offset + take);
          if (fd >= 0) writeSync(fd, piece);
          else if (metadata) metadata.push(Buffer.from(piece));
          offset += take;
          remaining -= take;
          if (remaining === 0) {
            if (fd >= 0) {
              closeSync(fd);
              fd = -1;
            }
            if (metadata) finishMetadata();
          }
          continue;
        }
        if (padding > 0) {
          const take = Math.min(padding, pending.length - offset);
          if (take === 0) break;
          offset += take;
          padding -= take;
          continue;
        }
        if (pending.length - offset < BLOCK) break;
        const header = pending.subarray(offset, offset + BLOCK);
        offset += BLOCK;
        if (header.every((byte) => byte === 0)) {
          ended = true;
          break;
        }
        startEntry(header);
      }
      pending = pending.subarray(offset);
    }
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.startsWith(label) ? message : `${label}: cannot unpack the archive (${message}); it is corrupt or truncated — download it again`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  if (!ended || remaining > 0) throw new Error(`${label}: the archive ends in the middle of an entry; it is truncated — download it again`);
  return written;
}

/** Writes a .tar of regular files (for tests and tools): [path inside the archive, contents]. */
export function encodeTar(entries: [string, Uint8Array][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, data] of entries) {
    const header = Buffer.alloc(BLOCK);
    header.write(path, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
    header.write('00000000000\0', 136, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0' + '00', 257, 'ascii');
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    blocks.push(header, Buffer.from(data), Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}
