import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildRunConfig } from '../../app/cli/runOptions.js';
import { runCli } from '../support/cli.js';
import { DataServer, sha256, tinyIdxFiles } from '../support/dataServer.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-cli-data-'));
let server: DataServer;
const files = tinyIdxFiles();
const checksumFile = join(root, 'checksums.json');
const big = 'train-images-idx3-ubyte.gz';

before(async () => {
  server = await DataServer.start();
  for (const [name, bytes] of Object.entries(files)) server.serve(`/mirror/fashion-mnist/${name}`, bytes);
  writeFileSync(checksumFile, JSON.stringify(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, `sha256:${sha256(bytes)}`]))));
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

test('fsam-studio data get: a broken transfer fails with the file named, the next get continues it; data list shows the set', async () => {
  const cache = join(root, 'cache');
  const args = ['data', 'get', 'fashion-mnist', '--mirror', `${server.origin}/mirror/{name}/`, '--checksums', checksumFile, '--cache', cache];
  server.cutNext(`/mirror/fashion-mnist/${big}`, Math.floor(files[big]!.length / 2));
  const broken = await runCli(args);
  assert.equal(broken.code, 1, broken.stderr);
  assert.match(broken.stderr, new RegExp(`fsam-studio: ${big}: the transfer from .* broke after \\d+ of ${files[big]!.length} bytes`));
  assert.ok(existsSync(join(cache, 'fashion-mnist', `${big}.partial`)));

  const resumed = await runCli(args);
  assert.equal(resumed.code, 0, resumed.stderr);
  // piped output: a line per file, the continuation, the verification
  assert.match(resumed.stdout, new RegExp(`fashion-mnist: ${big} \\(1/4\\): downloading .*, continuing at`));
  assert.match(resumed.stdout, /t10k-labels-idx1-ubyte\.gz \(4\/4\): .* received, verifying the checksum/);
  assert.match(resumed.stdout, new RegExp(`fashion-mnist: verified and ready in .*cache/fashion-mnist \\(continued: ${big}\\); train on it with --data fashion-mnist`));
  const lastRange = server.requests.filter((r) => r.path.endsWith(big)).at(-1)!;
  assert.match(lastRange.range ?? '', /^bytes=\d+-$/);

  const list = await runCli(['data', 'list', '--json'], { FSAM_DATA_CACHE: cache });
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { cache: string; datasets: { name: string; cached: boolean }[] };
  assert.equal(listed.cache, cache);
  assert.deepEqual(
    listed.datasets.map((d) => [d.name, d.cached]),
    [
      ['fashion-mnist', true],
      ['mnist', false],
      ['cifar10', false],
      ['cifar100', false],
    ],
  );
  const again = await runCli(args);
  assert.match(again.stdout, /fashion-mnist is already downloaded/);
});

test('fsam-studio data get with a wrong checksum (mirror and checksums from the environment) deletes the file and exits 1', async () => {
  const cache = join(root, 'bad');
  const wrong = join(root, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ [big]: `md5:${'f'.repeat(32)}` }));
  const result = await runCli(['data', 'get', 'fashion-mnist'], { FSAM_DATA_CACHE: cache, FSAM_DATA_MIRROR: `${server.origin}/mirror/fashion-mnist`, FSAM_DATA_CHECKSUMS: wrong });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`fsam-studio: ${big}: the downloaded file .* expected f{32}; the bad file was deleted`));
  assert.equal(existsSync(join(cache, 'fashion-mnist', `${big}.partial`)), false);
});

test('fsam-studio data: unknown names and actions are usage errors (exit 2)', async () => {
  const unknown = await runCli(['data', 'get', 'imagenet']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /"imagenet" is not a data set that can be downloaded; use one of fashion-mnist, mnist, cifar10, cifar100/);
  const action = await runCli(['data', 'fetch']);
  assert.equal(action.code, 2);
  assert.match(action.stderr, /"data fetch" is not a command/);
  const notYet = await runCli(['train', '--data', 'cifar100', '--epochs', '1'], { FSAM_DATA_CACHE: join(root, 'empty-cache') });
  assert.equal(notYet.code, 2, notYet.stderr);
  assert.match(notYet.stderr, /config\.data\.name: CIFAR-100 is not downloaded yet; .*`fsam-studio data get cifar100`/);
  const mirror = await runCli(['data', 'get', 'mnist', '--mirror', 'ftp://x']);
  assert.equal(mirror.code, 2);
  assert.match(mirror.stderr, /--mirror must be an http:\/\/ or https:\/\/ URL/);
});

test('--data takes a downloaded set by name or KIND:PATH', () => {
  assert.deepEqual(buildRunConfig({ data: 'cifar10' }, 'sgd').data, { name: 'cifar10' });
  assert.deepEqual(buildRunConfig({ data: 'csv:/tmp/iris.csv', model: 'mlp' }, 'sgd').data, { name: 'csv', path: '/tmp/iris.csv' });
  assert.deepEqual(buildRunConfig({ data: 'folder:photos' }, 'sgd').data, { name: 'folder', path: 'photos' });
  assert.deepEqual(buildRunConfig({ data: '/usr/share/datasets/fashion-mnist' }, 'sgd').data, { name: 'idx', path: '/usr/share/datasets/fashion-mnist' });
  assert.throws(() => buildRunConfig({ data: 'csv:/tmp/iris.csv', model: 'cnn' }, 'sgd'), { message: /model: the cnn model needs images/ });
});
