import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCsvDataset, splitCsvLine } from '../../app/data/csv.js';
import { batchToFloat, classCounts } from '../../app/data/dataset.js';
import { loadDataset } from '../../app/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-csv-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(root, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** 30 rows: row i has features (i, 10·i, −i) and species a/b/c by i mod 3; the label column sits in the middle. */
function irisLike(): string {
  const lines = ['width,species,height,depth'];
  for (let i = 0; i < 30; i++) lines.push(`${i},${['setosa', 'virginica', 'versicolor'][i % 3]},${10 * i},${-i}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

test('splitCsvLine: commas, quoted cells with commas and doubled quotes, spaces trimmed', () => {
  assert.deepEqual(splitCsvLine('1, 2.5 ,"a, b","say ""hi"""'), ['1', '2.5', 'a, b', 'say "hi"']);
  assert.deepEqual(splitCsvLine('x,,y'), ['x', '', 'y']);
  assert.deepEqual(splitCsvLine('"open,1'), { error: 'a quoted cell is not closed on this line (cells spanning lines are not supported)' });
});

test('one CSV file: the named label column, sorted class names, float features as written, a seeded stratified split', async () => {
  const path = write('iris.csv', irisLike());
  const dataset = await loadCsvDataset(path, { label: 'species', testFraction: 0.2, seed: 3 });
  assert.deepEqual(dataset.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(dataset.imageShape, [1, 1, 3]);
  assert.equal(dataset.train.count + dataset.test.count, 30);
  assert.equal(dataset.test.count, 6, '20 % of each class of 10');
  assert.deepEqual(classCounts(dataset.test, 3), [2, 2, 2]);
  assert.equal(dataset.train.images.length, 0);
  // every row keeps its own features and label: width i ↔ height 10·i ↔ depth −i ↔ class of i mod 3
  const classOfRemainder = [0, 2, 1];
  const seen = new Set<number>();
  for (const split of [dataset.train, dataset.test]) {
    const features = batchToFloat(split, Int32Array.from({ length: split.count }, (_, i) => i));
    for (let row = 0; row < split.count; row++) {
      const [width, height, depth] = features.subarray(row * 3, row * 3 + 3);
      assert.equal(height, 10 * width!);
      assert.equal(depth! + width!, 0);
      assert.equal(split.labels[row], classOfRemainder[width! % 3]);
      seen.add(width!);
    }
  }
  assert.equal(seen.size, 30, 'each row lands in exactly one split');
  const again = await loadCsvDataset(path, { label: 'species', testFraction: 0.2, seed: 3 });
  assert.deepEqual(again.test.features, dataset.test.features, 'same seed, same split');
  const other = await loadCsvDataset(path, { label: 'species', testFraction: 0.2, seed: 4 });
  assert.notDeepEqual(other.test.features, dataset.test.features, 'another seed, another split');
});

test('the label is the last column by default; numeric labels sort as numbers', async () => {
  const lines = ['a,b,digit'];
  for (let i = 0; i < 24; i++) lines.push(`${i / 10},${i * i},${[2, 10, 1][i % 3]}`);
  const dataset = await loadDataset({ name: 'csv', path: write('digits.csv', lines.join('\n')), testFraction: 0.25 });
  assert.deepEqual(dataset.classNames, ['1', '2', '10']);
  assert.deepEqual(dataset.imageShape, [1, 1, 2]);
  assert.equal(dataset.test.count, 6);
  assert.match(dataset.source, /label column "digit"/);
  const first = await loadDataset({ name: 'csv', path: join(root, 'digits.csv'), testFraction: 0.25, trainCount: 5 });
  assert.equal(first.train.count, 5);
  assert.deepEqual(first.train.features, dataset.train.features!.subarray(0, 10), 'trainCount keeps the first rows of the split, features included');
});

test('a folder with train.csv and test.csv keeps that split; class names come from both files', async () => {
  write('pair/train.csv', 'x,y,label\n1,2,cat\n3,4,dog\n5,6,cat\n');
  write('pair/test.csv', 'x,y,label\n7,8,dog\n9,10,bird\n');
  const dataset = await loadDataset({ name: 'csv', path: join(root, 'pair') });
  assert.deepEqual(dataset.classNames, ['bird', 'cat', 'dog']);
  assert.equal(dataset.train.count, 3);
  const rows = (split: typeof dataset.train) => Array.from({ length: split.count }, (_, i) => `${split.features![2 * i]},${split.features![2 * i + 1]},${split.labels[i]}`).sort();
  assert.deepEqual(rows(dataset.train), ['1,2,1', '3,4,2', '5,6,1']);
  assert.deepEqual(rows(dataset.test), ['7,8,2', '9,10,0']);
  write('mismatch/train.csv', 'x,y,label\n1,2,a\n3,4,b\n');
  write('mismatch/test.csv', 'x,z,label\n1,2,a\n');
  await assert.rejects(loadDataset({ name: 'csv', path: join(root, 'mismatch') }), { message: /^test\.csv: its header differs from train\.csv's \(column 2 is named differently\)/ });
});

test('a file sorted by class still gives every class to a small trainCount', async () => {
  const lines = ['x,label'];
  for (const label of ['a', 'b', 'c']) for (let i = 0; i < 50; i++) lines.push(`${i},${label}`);
  const dataset = await loadDataset({ name: 'csv', path: write('sorted.csv', lines.join('\n')), trainCount: 15 });
  assert.deepEqual(
    classCounts(dataset.train, 3).map((n) => n > 0),
    [true, true, true],
  );
});

test('malformed CSV files are refused with the file, the line and what is wrong', async () => {
  const cases: [string, string, RegExp, string?][] = [
    ['nonnumeric.csv', 'a,b,label\n1,2,x\n3,abc,y\n', /^nonnumeric\.csv line 3, column 2: is not a finite number; every column except the label column \(column 3\) must hold numbers/],
    ['emptycell.csv', 'a,b,label\n1,,x\n3,4,y\n', /^emptycell\.csv line 2, column 2: is empty/],
    ['infinite.csv', 'a,b,label\n1,Infinity,x\n3,4,y\n', /^infinite\.csv line 2, column 2: is not a finite number/],
    ['ragged.csv', 'a,b,label\n1,2,x\n3,4\n5,6,y\n', /^ragged\.csv line 3: the row has 2 cells but the header has 3 columns/],
    ['quote.csv', 'a,b,label\n1,2,"x\n3,4,y\n', /^quote\.csv line 2: a quoted cell is not closed/],
    ['empty.csv', '', /^empty\.csv: the file is empty/],
    ['headeronly.csv', 'a,b,label\n', /^headeronly\.csv: has a header but no data rows/],
    ['onelabel.csv', 'a,label\n1,x\n2,x\n', /^onelabel\.csv: every row has the same label; a classifier needs at least two classes/],
    ['nolabel.csv', 'a,b,c\n1,2,3\n4,5,6\n', /^nolabel\.csv: no column named "kind" in the header \(it has 3 columns\)/, 'kind'],
  ];
  for (const [name, text, message, label] of cases) {
    await assert.rejects(loadCsvDataset(write(name, text), { label }), { message }, name);
  }
  await assert.rejects(loadDataset({ name: 'csv' }), { message: /dataset\.path: the "csv" data set needs path, a \.csv file, or a folder holding train\.csv and test\.csv/ });
});
