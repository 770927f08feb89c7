import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StudioService } from '../../app/api/service.js';
import { ConfigError } from '../../app/validation.js';
import type { TrainConfigInput } from '../../app/api/types.js';
import { DataServer, sha256, tinyIdxFiles } from '../support/dataServer.js';
import { temporaryFolder } from '../support/runs.js';

// The service reads the cache, mirror and checksums from the environment, as worker threads do.
const folder = temporaryFolder('fsam-service-downloads-');
const files = tinyIdxFiles(128, 32);
let server: DataServer;
let service: StudioService;
const saved = { cache: process.env.FSAM_DATA_CACHE, mirror: process.env.FSAM_DATA_MIRROR, checksums: process.env.FSAM_DATA_CHECKSUMS };

before(async () => {
  server = await DataServer.start();
  for (const [name, bytes] of Object.entries(files)) server.serve(`/fmnist/${name}`, bytes);
  const checksums = join(folder.path, 'checksums.json');
  writeFileSync(checksums, JSON.stringify(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, `sha256:${sha256(bytes)}`]))));
  process.env.FSAM_DATA_CACHE = join(folder.path, 'cache');
  process.env.FSAM_DATA_MIRROR = `${server.origin}/fmnist/`;
  process.env.FSAM_DATA_CHECKSUMS = checksums;
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
});

after(async () => {
  await service.close();
  await server.close();
  for (const [key, value] of [['FSAM_DATA_CACHE', saved.cache], ['FSAM_DATA_MIRROR', saved.mirror], ['FSAM_DATA_CHECKSUMS', saved.checksums]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  folder.remove();
});

test('downloadDataset: one download for two clicks, progress in datasetStatus, then a run trains on it in a worker', async () => {
  const initial = await service.datasetStatus();
  assert.equal(initial.cacheFolder, join(folder.path, 'cache'));
  assert.deepEqual(
    initial.datasets.map((set) => [set.name, set.cached, set.download]),
    [
      ['fashion-mnist', false, null],
      ['mnist', false, null],
      ['cifar10', false, null],
      ['cifar100', false, null],
    ],
  );
  const runConfig: TrainConfigInput = { data: { name: 'fashion-mnist' }, model: 'mlp', epochs: 1, batchSize: 32, trainEvalCount: 32, optimizer: { name: 'fsam', lr: 0.05 } };
  // before the download, a run on it is refused at once (no failed run is stored), and the form is told why
  await assert.rejects(service.startRun({ config: runConfig }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^Invalid run configuration — config\.data\.name: Fashion-MNIST is not downloaded yet; download it in Settings › Data sets/);
    return true;
  });
  assert.equal((await service.listRuns()).length, 0);
  assert.deepEqual(await service.checkConfig(runConfig), {
    ok: false,
    problems: [{ field: 'data.name', message: 'Fashion-MNIST is not downloaded yet; download it in Settings › Data sets (or `fsam-studio data get fashion-mnist`), or set data.path to the folder of its files' }],
  });

  const first = service.downloadDataset('fashion-mnist');
  const second = service.downloadDataset('fashion-mnist');
  const during = (await service.datasetStatus()).datasets.find((set) => set.name === 'fashion-mnist')!;
  assert.ok(during.download !== null, 'a started download shows in the status');
  assert.equal(during.download.fileCount, 4);
  const [entry, again] = await Promise.all([first, second]);
  assert.equal(entry.cached, true);
  assert.deepEqual(again, entry);
  assert.equal(server.requests.filter((r) => r.path.endsWith('train-images-idx3-ubyte.gz')).length, 1, 'the second click joined the first download');
  const after = (await service.datasetStatus()).datasets.find((set) => set.name === 'fashion-mnist')!;
  assert.equal(after.download, null);
  assert.equal(after.cached, true);
  assert.ok(after.bytes > 0);

  assert.equal((await service.checkConfig(runConfig)).ok, true);
  const run = await service.startRun({ config: runConfig });
  const finished = await new Promise<string>((resolve) => {
    const stop = service.onRunUpdate((update) => {
      if (update.id === run.id && !['queued', 'running'].includes(update.status)) {
        stop();
        resolve(`${update.status} ${update.message ?? ''}`);
      }
    });
  });
  assert.equal(finished.trim(), 'completed');
  assert.equal(service.store.classNames(run.id)[0], 'T-shirt/top');
});

test('downloadDataset refuses unknown names and reports a failed download in datasetStatus', async () => {
  await assert.rejects(service.downloadDataset('imagenet'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^name: must be one of fashion-mnist, mnist, cifar10, cifar100/);
    return true;
  });
  // the mirror has no CIFAR-10
  await assert.rejects(service.downloadDataset('cifar10'), { message: /^Downloading CIFAR-10 failed — cifar-10-binary\.tar\.gz: .* answered HTTP 404/ });
  const cifar = (await service.datasetStatus()).datasets.find((set) => set.name === 'cifar10')!;
  assert.equal(cifar.cached, false);
  assert.equal(cifar.download, null);
  assert.match(cifar.lastError ?? '', /HTTP 404/);
});

test('closing the service stops its downloads and keeps what arrived', async () => {
  const other = StudioService.open({ databasePath: join(folder.path, 'other.db'), concurrency: 1 });
  server.stalls.add('/fmnist/train-images-idx3-ubyte.gz');
  try {
    const pending = other.downloadDataset('mnist');
    const outcome = pending.then(
      () => 'finished',
      (error: Error) => error.message,
    );
    const received = async () => (await other.datasetStatus()).datasets.find((set) => set.name === 'mnist')!.download?.receivedBytes ?? 0;
    for (let attempt = 0; (await received()) < 1000; attempt++) {
      assert.ok(attempt < 10_000, 'the first bytes of the stalled file arrive');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await other.close();
    assert.match(await outcome, /^Downloading MNIST failed — train-images-idx3-ubyte\.gz: the download was stopped after 1000 bytes/);
  } finally {
    server.stalls.delete('/fmnist/train-images-idx3-ubyte.gz');
  }
  const mnist = (await service.datasetStatus()).datasets.find((set) => set.name === 'mnist')!;
  assert.equal(mnist.cached, false);
  assert.equal(mnist.bytes, 1000, 'the partial file stays for the next download');
});
