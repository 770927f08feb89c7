import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeCifarBatch } from '../../app/data/cifar.js';
import type { Checksum } from '../../app/data/download/catalog.js';
import { listCachedDatasets } from '../../app/data/download/cache.js';
import { ChecksumError, downloadDataset, readChecksumFile, TransferError, type DownloadProgress } from '../../app/data/download/download.js';
import { encodeTar, extractTarGz } from '../../app/data/download/tar.js';
import { parseIdx } from '../../app/data/idx.js';
import { loadDataset } from '../../app/data/index.js';
import { DataServer, sha256, tinyIdxFiles } from '../support/dataServer.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-download-'));
let server: DataServer;
const idxFiles = tinyIdxFiles();

before(async () => {
  server = await DataServer.start();
  for (const [name, bytes] of Object.entries(idxFiles)) server.serve(`/fashion-mnist/${name}`, bytes);
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const sha = (files: Record<string, Uint8Array>): Record<string, Checksum> =>
  Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, { algorithm: 'sha256' as const, hex: sha256(bytes) }]));

function withCache<T>(cache: string, body: () => Promise<T>): Promise<T> {
  const previous = process.env.FSAM_DATA_CACHE;
  process.env.FSAM_DATA_CACHE = cache;
  return body().finally(() => {
    if (previous === undefined) delete process.env.FSAM_DATA_CACHE;
    else process.env.FSAM_DATA_CACHE = previous;
  });
}

test('data get fetches, verifies and caches Fashion-MNIST from a mirror; the fashion-mnist name then reads it', async () => {
  const cache = join(root, 'plain');
  const events: DownloadProgress[] = [];
  const result = await downloadDataset('fashion-mnist', { cache, mirror: `${server.origin}/{name}/`, checksums: sha(idxFiles), onProgress: (e) => events.push(e) });
  assert.equal(result.alreadyCached, false);
  assert.deepEqual(readdirSync(result.folder).sort(), ['complete.json', ...Object.keys(idxFiles)].sort());
  for (const [name, bytes] of Object.entries(idxFiles)) assert.deepEqual(readFileSync(join(result.folder, name)), bytes);
  assert.ok(events.some((e) => e.phase === 'download' && e.file === 'train-images-idx3-ubyte.gz' && e.totalBytes === idxFiles['train-images-idx3-ubyte.gz']!.length));
  assert.deepEqual(
    [...new Set(events.filter((e) => e.file === 't10k-labels-idx1-ubyte.gz').map((e) => e.phase))],
    ['download', 'verify', 'done'],
  );
  const dataset = await withCache(cache, () => loadDataset({ name: 'fashion-mnist' }));
  assert.equal(dataset.train.count, 240);
  assert.equal(dataset.classNames[0], 'T-shirt/top');
  assert.deepEqual(dataset.train.images, parseIdx(gunzipSync(idxFiles['train-images-idx3-ubyte.gz']!), 'x').data);
  const listed = listCachedDatasets(cache).find((set) => set.name === 'fashion-mnist')!;
  assert.equal(listed.cached, true);
  const before = server.requests.length;
  assert.equal((await downloadDataset('fashion-mnist', { cache, mirror: `${server.origin}/{name}/` })).alreadyCached, true);
  assert.equal(server.requests.length, before, 'a cached set is not fetched again');
});

test('a transfer cut halfway is refused and not used; the next get continues it with a Range request and verifies', async () => {
  const cache = join(root, 'resume');
  const big = 'train-images-idx3-ubyte.gz';
  const full = idxFiles[big]!.length;
  server.cutNext(`/fashion-mnist/${big}`, Math.floor(full / 2));
  const options = { cache, mirror: `${server.origin}/{name}`, checksums: sha(idxFiles) };
  await assert.rejects(downloadDataset('fashion-mnist', options), (error: Error) => {
    assert.ok(error instanceof TransferError);
    assert.match(error.message, new RegExp(`^${big}: the transfer from .* broke after \\d+ of ${full} bytes .*run the download again to continue`));
    return true;
  });
  const partial = join(cache, 'fashion-mnist', `${big}.partial`);
  const kept = statSync(partial).size;
  assert.ok(kept > 0 && kept < full, `kept ${kept} of ${full} bytes`);
  assert.equal(existsSync(join(cache, 'fashion-mnist', big)), false, 'an unverified file never carries its real name');
  assert.equal(listCachedDatasets(cache).find((set) => set.name === 'fashion-mnist')!.cached, false);
  await withCache(cache, () => assert.rejects(loadDataset({ name: 'fashion-mnist' }), { message: /Fashion-MNIST is not downloaded yet/ }));

  const result = await downloadDataset('fashion-mnist', options);
  const resumedRequest = server.requests.filter((r) => r.path === `/fashion-mnist/${big}`).at(-1)!;
  assert.equal(resumedRequest.range, `bytes=${kept}-`);
  assert.equal(resumedRequest.status, 206);
  assert.equal(result.files.find((f) => f.name === big)!.resumedFrom, kept);
  assert.deepEqual(readFileSync(join(result.folder, big)), idxFiles[big]);
  assert.equal(existsSync(partial), false);
  const dataset = await withCache(cache, () => loadDataset({ name: 'fashion-mnist' }));
  assert.equal(dataset.train.count, 240);
});

test('a server that ignores Range requests sends the whole file again: the download starts over and verifies', async () => {
  const cache = join(root, 'norange');
  const big = 'train-images-idx3-ubyte.gz';
  server.cutNext(`/fashion-mnist/${big}`, 1000);
  const options = { cache, mirror: `${server.origin}/{name}/`, checksums: sha(idxFiles) };
  await assert.rejects(downloadDataset('fashion-mnist', options), TransferError);
  server.ignoreRanges = true;
  try {
    const result = await downloadDataset('fashion-mnist', options);
    const last = server.requests.filter((r) => r.path === `/fashion-mnist/${big}`).at(-1)!;
    assert.equal(last.range, 'bytes=1000-');
    assert.equal(last.status, 200);
    assert.equal(result.files.find((f) => f.name === big)!.resumedFrom, 0);
    assert.deepEqual(readFileSync(join(result.folder, big)), idxFiles[big]);
  } finally {
    server.ignoreRanges = false;
  }
});

test('an aborted download keeps what arrived for the next attempt', async () => {
  const cache = join(root, 'aborted');
  const big = 'train-images-idx3-ubyte.gz';
  server.stalls.add(`/fashion-mnist/${big}`);
  const stopper = new AbortController();
  const options = { cache, mirror: `${server.origin}/{name}/`, checksums: sha(idxFiles) };
  const pending = downloadDataset('fashion-mnist', { ...options, signal: stopper.signal, onProgress: (e) => e.receivedBytes >= 1000 && stopper.abort() });
  await assert.rejects(pending, { message: new RegExp(`^${big}: the download was stopped after 1000 bytes`) });
  server.stalls.delete(`/fashion-mnist/${big}`);
  assert.equal(statSync(join(cache, 'fashion-mnist', `${big}.partial`)).size, 1000);
  const result = await downloadDataset('fashion-mnist', options);
  assert.equal(result.files.find((f) => f.name === big)!.resumedFrom, 1000);
});

test('a wrong checksum deletes the file, names it, and leaves the set not downloaded', async () => {
  const cache = join(root, 'wrong');
  const checksums = { ...sha(idxFiles), 't10k-images-idx3-ubyte.gz': { algorithm: 'md5' as const, hex: '0123456789abcdef0123456789abcdef' } };
  await assert.rejects(downloadDataset('fashion-mnist', { cache, mirror: `${server.origin}/fashion-mnist/`, checksums }), (error: Error) => {
    assert.ok(error instanceof ChecksumError);
    assert.match(error.message, /^t10k-images-idx3-ubyte\.gz: the downloaded file \(\d+ bytes from http:\/\/127\.0\.0\.1:\d+\/fashion-mnist\/t10k-images-idx3-ubyte\.gz\) has md5 [0-9a-f]{32}, expected 0123456789abcdef0123456789abcdef; the bad file was deleted/);
    return true;
  });
  const folder = join(cache, 'fashion-mnist');
  assert.equal(existsSync(join(folder, 't10k-images-idx3-ubyte.gz.partial')), false);
  assert.equal(existsSync(join(folder, 't10k-images-idx3-ubyte.gz')), false);
  assert.equal(existsSync(join(folder, 'complete.json')), false);
  // the published checksums of the real Fashion-MNIST do not match these files either
  await assert.rejects(downloadDataset('fashion-mnist', { cache: join(root, 'published'), mirror: `${server.origin}/fashion-mnist/` }), {
    message: /^train-images-idx3-ubyte\.gz: .* has md5 [0-9a-f]{32}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d/,
  });
});

test('an unreachable source and a missing file are transfer errors naming the file', async () => {
  await assert.rejects(downloadDataset('mnist', { cache: join(root, 'missing'), mirror: `${server.origin}/nothing-here/` }), {
    message: /^train-images-idx3-ubyte\.gz: http:\/\/127\.0\.0\.1:\d+\/nothing-here\/train-images-idx3-ubyte\.gz answered HTTP 404/,
  });
  await assert.rejects(downloadDataset('mnist', { cache: join(root, 'missing'), mirror: 'http://127.0.0.1:9/' }), { message: /^train-images-idx3-ubyte\.gz: cannot reach http:\/\/127\.0\.0\.1:9\/train-images-idx3-ubyte\.gz/ });
});

function cifarArchive(): Buffer {
  const image = (count: number, seed: number) => Uint8Array.from({ length: count * 3072 }, (_, i) => (i * 31 + seed) & 255);
  const entries: [string, Uint8Array][] = [];
  for (let b = 1; b <= 5; b++) entries.push([`cifar-10-batches-bin/data_batch_${b}.bin`, encodeCifarBatch('cifar10', image(2, b), [b, (b + 3) % 10])]);
  entries.push(['cifar-10-batches-bin/test_batch.bin', encodeCifarBatch('cifar10', image(2, 9), [0, 9])]);
  entries.push(['cifar-10-batches-bin/batches.meta.txt', Buffer.from('plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n')]);
  return gzipSync(encodeTar(entries));
}

test('CIFAR-10 arrives as a tar.gz: verified, unpacked into the cache, the archive removed; cifar10 then reads it', async () => {
  const archive = cifarArchive();
  server.serve('/kriz/cifar-10-binary.tar.gz', archive);
  const cache = join(root, 'cifar');
  const checksums = { 'cifar-10-binary.tar.gz': { algorithm: 'sha256' as const, hex: sha256(archive) } };
  const phases: string[] = [];
  const result = await downloadDataset('cifar10', { cache, mirror: `${server.origin}/kriz/`, checksums, onProgress: (e) => phases.push(e.phase) });
  assert.ok(phases.includes('unpack'));
  assert.equal(existsSync(join(result.folder, 'cifar-10-binary.tar.gz')), false);
  assert.deepEqual(readdirSync(join(result.folder, 'cifar-10-batches-bin')).length, 7);
  const dataset = await withCache(cache, () => loadDataset({ name: 'cifar10' }));
  assert.equal(dataset.train.count, 10);
  assert.equal(dataset.classNames[1], 'car');
  assert.deepEqual(Array.from(dataset.test.labels), [0, 9]);
});

test('the tar reader refuses paths outside its folder and truncated archives', async () => {
  const folder = join(root, 'tar');
  mkdirSync(folder);
  writeFileSync(join(folder, 'evil.tar.gz'), gzipSync(encodeTar([['../escaped.txt', Buffer.from('x')]])));
  await assert.rejects(extractTarGz(join(folder, 'evil.tar.gz'), join(folder, 'out')), { message: /^evil\.tar\.gz: the archive holds the path "\.\.\/escaped\.txt", which points outside its folder/ });
  assert.equal(existsSync(join(folder, 'escaped.txt')), false);
  const whole = encodeTar([['a/big.bin', new Uint8Array(5000).fill(7)]]);
  writeFileSync(join(folder, 'short.tar.gz'), gzipSync(whole.subarray(0, 3000)));
  await assert.rejects(extractTarGz(join(folder, 'short.tar.gz'), join(folder, 'out2')), { message: /^short\.tar\.gz: the archive ends in the middle of an entry/ });
  const gz = gzipSync(whole);
  writeFileSync(join(folder, 'cut.tar.gz'), gz.subarray(0, gz.length - 10));
  await assert.rejects(extractTarGz(join(folder, 'cut.tar.gz'), join(folder, 'out3')), { message: /^cut\.tar\.gz: cannot unpack the archive \(.*\); it is corrupt or truncated/ });
  writeFileSync(join(folder, 'good.tar.gz'), gzipSync(encodeTar([['x/one.txt', Buffer.from('one')], ['x/sub/two.txt', Buffer.from('two')]])));
  assert.deepEqual(await extractTarGz(join(folder, 'good.tar.gz'), join(folder, 'out4')), ['x/one.txt', 'x/sub/two.txt']);
  assert.equal(readFileSync(join(folder, 'out4', 'x', 'sub', 'two.txt'), 'utf8'), 'two');

  // an old-GNU header ("ustar  ") keeps access times where POSIX keeps the path prefix: they are not a path
  const gnu = encodeTar([['plain.txt', Buffer.from('gnu')]]);
  gnu.write('ustar  \0', 257, 'ascii');
  gnu.write('14712345670\0', 345, 'ascii');
  gnu.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += gnu[i]!;
  gnu.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  writeFileSync(join(folder, 'gnu.tar.gz'), gzipSync(gnu));
  assert.deepEqual(await extractTarGz(join(folder, 'gnu.tar.gz'), join(folder, 'out5')), ['plain.txt']);
  assert.equal(readFileSync(join(folder, 'out5', 'plain.txt'), 'utf8'), 'gnu');
});

test('a checksum file is validated: each value is md5:<hex> or sha256:<hex>', () => {
  const path = join(root, 'sums.json');
  writeFileSync(path, JSON.stringify({ 'a.gz': `sha256:${'AB'.repeat(32)}`, 'b.gz': `md5:${'0'.repeat(32)}` }));
  assert.deepEqual(readChecksumFile(path), { 'a.gz': { algorithm: 'sha256', hex: 'ab'.repeat(32) }, 'b.gz': { algorithm: 'md5', hex: '0'.repeat(32) } });
  writeFileSync(path, JSON.stringify({ 'a.gz': 'crc:1234' }));
  assert.throws(() => readChecksumFile(path), { message: /^checksum file .*sums\.json: a\.gz must be "md5:<32 hex digits>" or "sha256:<64 hex digits>"/ });
});
