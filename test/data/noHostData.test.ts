/**
 * No host data in errors sent to a client (issue 13, part 2): a path may be any file the studio's user can
 * read, so a file the readers cannot use is named, with what is wrong with its format — never with what it
 * holds. Each case hides a secret line in a file (as a whole file, a header, a cell, a label, a folder
 * name, an image's bytes) and reads it through every way in: loadDataset and probeDataset directly, and the
 * service's previewDataset, checkConfig and startRun. The secret must appear in no message.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { StudioService } from '../../app/api/service.js';
import type { TrainConfigInput } from '../../app/api/types.js';
import { loadDataset, probeDataset, type DatasetSpec } from '../../app/data/index.js';
import { readChecksumFile } from '../../app/data/download/download.js';
import { CACHE_ENV, COMPLETE_MARKER } from '../../app/data/download/cache.js';
import { writeFile, writeIdxSet, writeCifar10Set, writeImageFolder } from '../support/dataFiles.js';

const SECRET = 'SECRET-7f3a9c2e41b8';
/** A line as /etc/shadow holds them. */
const SHADOW = `root:$6$${SECRET}$Qv1:19745:0:99999:7:::\ndaemon:*:19745:0:99999:7:::\n`;

const root = mkdtempSync(join(tmpdir(), 'fsam-no-host-data-'));
const cache = join(root, 'cache');
const previousCache = process.env[CACHE_ENV];

interface Case {
  title: string;
  spec: DatasetSpec;
}

/** Every case: its files are written by `before`. */
const cases: Case[] = [];
function add(title: string, spec: DatasetSpec): void {
  cases.push({ title, spec });
}
const at = (...parts: string[]) => join(root, ...parts);

async function writeCases(): Promise<void> {
  // CSV: the secret as the whole file, a header, a cell, a label, a column name, a ragged row, an open quote
  add('csv: a shadow file (one column)', { name: 'csv', path: writeFile(at('shadow'), SHADOW) });
  add('csv: the secret alone', { name: 'csv', path: writeFile(at('alone.csv'), SECRET) });
  add('csv: the secret in a feature cell', { name: 'csv', path: writeFile(at('cell.csv'), `a,b,label\n1,2,x\n3,${SECRET},y\n`) });
  add('csv: the secret as the only label', { name: 'csv', path: writeFile(at('label.csv'), `a,label\n1,${SECRET}\n2,${SECRET}\n`) });
  add('csv: the secret as a column name, label not found', { name: 'csv', path: writeFile(at('column.csv'), `${SECRET},b,label\n1,2,x\n`), label: 'kind' });
  add('csv: the secret as the label column name, one row', { name: 'csv', path: writeFile(at('labelname.csv'), `x,${SECRET}\n1,a\n`) });
  writeFile(at('pair', 'train.csv'), `a,${SECRET},label\n1,2,x\n3,4,y\n`);
  add('csv: train.csv and test.csv headers differ', { name: 'csv', path: writeFile(at('pair', 'test.csv'), 'a,b,label\n1,2,x\n').replace(/test\.csv$/, '') });
  add('csv: a ragged row', { name: 'csv', path: writeFile(at('ragged.csv'), `a,b,label\n1,2,x\n${SECRET},3\n`) });
  add('csv: a quote left open', { name: 'csv', path: writeFile(at('quote.csv'), `a,b,label\n1,2,"${SECRET}\n`) });
  add('csv: a header of one empty name', { name: 'csv', path: writeFile(at('emptyname.csv'), `,${SECRET}\n1,2\n`) });

  // IDX: files that are text, gzipped text, or an IDX header followed by the secret
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFile(at('idx-text', name), SHADOW);
  add('idx: four text files', { name: 'idx', path: at('idx-text') });
  await writeIdxSet(at('idx-gz'), 4, 4);
  rmSync(at('idx-gz', 'train-images-idx3-ubyte'));
  writeFile(at('idx-gz', 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.from(SHADOW)));
  add('idx: a gzipped text file', { name: 'idx', path: at('idx-gz') });
  await writeIdxSet(at('idx-tail'), 4, 4);
  writeFile(at('idx-tail', 'train-labels-idx1-ubyte'), Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 4]), Buffer.from(SECRET)]));
  add('idx: a label file with the secret after its header', { name: 'fashion-mnist', path: at('idx-tail') });

  // CIFAR: text batches, batches of the right size that start with the secret, a names file of secrets
  for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) writeFile(at('cifar-text', name), SHADOW);
  add('cifar10: text batches', { name: 'cifar10', path: at('cifar-text') });
  writeCifar10Set(at('cifar-sized'), 2);
  const record = Buffer.alloc(3073 * 2, 0x20);
  record.write(`r${SECRET}`);
  writeFileSync(at('cifar-sized', 'data_batch_2.bin'), record);
  add('cifar10: a batch of whole records starting with the secret', { name: 'cifar10', path: at('cifar-sized') });
  writeCifar10Set(at('cifar-names'), 2);
  writeFile(at('cifar-names', 'batches.meta.txt'), SHADOW);
  add('cifar10: a names file of secrets', { name: 'cifar10', path: at('cifar-names') });
  writeFile(at('cifar100-text', 'train.bin'), SHADOW);
  add('cifar100: a text file', { name: 'cifar100', path: writeFile(at('cifar100-text', 'test.bin'), SHADOW).replace(/test\.bin$/, '') });

  // image folders: a secret class folder name (empty, alone, only in test/), images that are text or broken
  writeImageFolder(at('folder-empty'), ['plain'], 3);
  writeFile(at('folder-empty', SECRET, 'notes.txt'), SHADOW);
  add('folder: a class folder named by the secret, without images', { name: 'folder', path: at('folder-empty') });
  writeImageFolder(at('folder-one'), [SECRET], 3);
  add('folder: one class folder, named by the secret', { name: 'folder', path: at('folder-one') });
  writeImageFolder(at('folder-split', 'train'), ['a', 'b'], 2);
  writeImageFolder(at('folder-split', 'test'), ['a', SECRET], 1);
  add('folder: a test class folder that train/ lacks, named by the secret', { name: 'folder', path: at('folder-split') });
  writeImageFolder(at('folder-text'), ['a', 'b'], 3);
  writeFile(at('folder-text', 'b', '1.png'), SHADOW);
  add('folder: a .png that is text', { name: 'folder', path: at('folder-text') });
  writeImageFolder(at('folder-jpeg'), ['a', 'b'], 3);
  writeFile(at('folder-jpeg', 'b', '2.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(SHADOW)]));
  add('folder: a JPEG signature followed by the secret', { name: 'folder', path: at('folder-jpeg') });
  writeImageFolder(at('folder-png'), ['a', 'b'], 3);
  writeFile(at('folder-png', 'a', '0.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(SHADOW)]));
  add('folder: a PNG signature followed by the secret', { name: 'folder', path: at('folder-png') });

  // a downloaded set in the cache whose files were replaced
  const cached = join(cache, 'cifar10');
  for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) writeFile(join(cached, name), SHADOW);
  writeFile(join(cached, COMPLETE_MARKER), JSON.stringify({ name: 'cifar10', files: [], downloadedAt: 0, source: 'test' }));
  add('cifar10 from the download cache, its files replaced', { name: 'cifar10' });
  writeFile(join(cache, 'mnist', COMPLETE_MARKER), SHADOW);
  add('mnist whose cache marker is the secret', { name: 'mnist' });
}

/** Every message a case produced, to check at the end that each was looked at. */
const seen: string[] = [];
function clean(message: string, where: string): void {
  seen.push(message);
  assert.ok(!message.includes(SECRET) && !message.includes('7f3a9c'), `${where}: the message quotes the file: ${message}`);
  assert.ok(!message.includes('daemon') && !message.includes('19745'), `${where}: the message quotes the file: ${message}`);
}

async function failure(promise: Promise<unknown>, where: string): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    clean(message, where);
    return message;
  }
}

describe('no host data in any message about a file', () => {
  let service: StudioService;

  before(async () => {
    process.env[CACHE_ENV] = cache;
    mkdirSync(cache, { recursive: true });
    await writeCases();
    service = StudioService.open({ databasePath: join(root, 'studio.db'), concurrency: 1 });
  });
  after(async () => {
    await service.close();
    if (previousCache === undefined) delete process.env[CACHE_ENV];
    else process.env[CACHE_ENV] = previousCache;
    rmSync(root, { recursive: true, force: true });
  });

  test('loadDataset and probeDataset refuse every case without quoting it', async () => {
    assert.ok(cases.length >= 25, `${cases.length} cases`);
    for (const { title, spec } of cases) {
      const loaded = await failure(loadDataset(spec), `loadDataset, ${title}`);
      assert.ok(loaded !== undefined, `loadDataset refuses ${title}`);
      await failure(probeDataset(spec), `probeDataset, ${title}`);
    }
  });

  test('a probe refuses everything but damage inside an image, which only decoding finds', async () => {
    const passed: string[] = [];
    for (const { title, spec } of cases) if ((await failure(probeDataset(spec), title)) === undefined) passed.push(title);
    assert.deepEqual(passed, ['folder: a JPEG signature followed by the secret', 'folder: a PNG signature followed by the secret']);
  });

  test('the service: previewDataset, checkConfig and startRun answer without quoting a file; a run that fails in its worker too', { timeout: 300_000 }, async () => {
    for (const { title, spec } of cases) {
      const preview = await failure(service.previewDataset(spec), `previewDataset, ${title}`);
      assert.ok(preview !== undefined, `previewDataset refuses ${title}`);
      const config = { data: spec, model: 'mlp', batchSize: 2, epochs: 1, optimizer: { name: 'sgd', lr: 0.05 } } as TrainConfigInput;
      const check = await service.checkConfig(config);
      if (!check.ok) for (const problem of check.problems) clean(`${problem.field}: ${problem.message}`, `checkConfig, ${title}`);
      const refused = await failure(service.startRun({ config }), `startRun, ${title}`);
      assert.equal(refused === undefined, check.ok, `startRun and checkConfig agree on ${title}`);
      if (refused !== undefined) continue;
      // damage only decoding finds: the run is stored and fails, and its message names the file alone
      const runs = await service.listRuns();
      const ended = await service.manager.waitForEnd(runs[0]!.id);
      assert.equal(ended.status, 'failed', title);
      clean(ended.message ?? '', `the failed run's message, ${title}`);
      assert.match(ended.message ?? '', /cannot decode the (PNG|JPEG) image/);
      await service.deleteRun(ended.id);
    }
    assert.deepEqual(await service.listRuns(), [], 'refused configs stored nothing');
  });

  test('a checksum file of secrets is refused without quoting it', () => {
    const path = writeFile(at('checksums.json'), SHADOW);
    assert.throws(() => readChecksumFile(path), (error: Error) => {
      clean(error.message, 'readChecksumFile');
      assert.match(error.message, /checksum file .*: cannot read it as JSON \(not valid JSON/);
      return true;
    });
  });

  test('each message still names what is wrong', () => {
    assert.ok(seen.length > 3 * cases.length, `${seen.length} messages looked at`);
    assert.ok(seen.some((message) => /shadow line 1: the header has only one column/.test(message)), 'the shadow file is named with its line');
    assert.ok(seen.some((message) => /cell\.csv line 3, column 2: is not a finite number/.test(message)));
    assert.ok(seen.some((message) => /1\.png: not a PNG or JPEG image \(it looks like text\)/.test(message)));
    assert.ok(seen.some((message) => /1 of its 2 class subfolders holds no \.png/.test(message)));
  });
});
