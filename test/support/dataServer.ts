/**
 * A file server on 127.0.0.1 for download tests: serves buffers by path, honours Range requests, records
 * every request, and can cut the connection halfway through a file (the next request is served whole).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../app/data/idx.js';

export interface ServedRequest {
  path: string;
  range: string | undefined;
  status: number;
}

export class DataServer {
  readonly requests: ServedRequest[] = [];
  private readonly files = new Map<string, Buffer>();
  /** Paths whose next request is cut after this many bytes. */
  private readonly cuts = new Map<string, number>();
  /** Answer Range requests with the whole file (200), as servers without range support do. */
  ignoreRanges = false;
  /** Paths whose responses stall after their first bytes until the connection is closed. */
  readonly stalls = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<DataServer> {
    let instance: DataServer | undefined;
    const server = createServer((request, response) => instance!.handle(request.url ?? '/', request.headers.range, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new DataServer(server, `http://127.0.0.1:${port}`);
    return instance;
  }

  serve(path: string, contents: Uint8Array): void {
    this.files.set(path, Buffer.from(contents));
  }

  /** The next request of `path` sends `bytes` bytes of it, then the connection is destroyed. */
  cutNext(path: string, bytes: number): void {
    this.cuts.set(path, bytes);
  }

  private handle(path: string, range: string | undefined, response: import('node:http').ServerResponse): void {
    const file = this.files.get(path);
    const record = (status: number) => this.requests.push({ path, range, status });
    if (!file) {
      record(404);
      response.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const match = range && !this.ignoreRanges ? /^bytes=(\d+)-$/.exec(range) : null;
    if (match) {
      start = Number(match[1]);
      if (start >= file.length) {
        record(416);
        response.writeHead(416, { 'Content-Range': `bytes */${file.length}` }).end();
        return;
      }
    }
    const status = match ? 206 : 200;
    record(status);
    const headers: Record<string, string | number> = { 'Content-Length': file.length - start, 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
    if (match) headers['Content-Range'] = `bytes ${start}-${file.length - 1}/${file.length}`;
    response.writeHead(status, headers);
    if (this.stalls.has(path)) {
      response.write(file.subarray(start, start + 1000));
      return;
    }
    const cut = this.cuts.get(path);
    if (cut !== undefined) {
      this.cuts.delete(path);
      response.write(file.subarray(start, start + cut), () => setTimeout(() => response.destroy(), 50));
      return;
    }
    response.end(file.subarray(start));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Four gzipped IDX files of a tiny MNIST-format set; the train images are random bytes (they do not compress). */
export function tinyIdxFiles(trainCount = 240, testCount = 20): Record<string, Buffer> {
  let state = 12345;
  const noise = (length: number) =>
    Uint8Array.from({ length }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 24;
    });
  const labels = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 10);
  return {
    'train-images-idx3-ubyte.gz': gzipSync(encodeIdx([trainCount, 28, 28], noise(trainCount * 784))),
    'train-labels-idx1-ubyte.gz': gzipSync(encodeIdx([trainCount], labels(trainCount))),
    't10k-images-idx3-ubyte.gz': gzipSync(encodeIdx([testCount, 28, 28], noise(testCount * 784))),
    't10k-labels-idx1-ubyte.gz': gzipSync(encodeIdx([testCount], labels(testCount))),
  };
}
