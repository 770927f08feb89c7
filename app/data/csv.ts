/**
 * Tabular data sets from CSV: a header row, numeric feature columns and one label column (named by the
 * user, or the last column). Class names are the distinct label values, sorted (numerically when every
 * value is a number). Features stay float32, used as they are; the trainer standardises each one.
 *
 * Files: `path` is one .csv file (split into train and test by a seeded, stratified fraction) or a folder
 * holding train.csv and test.csv. Each file is read twice as a stream: the first pass checks the shape of
 * every row and collects the labels (which fixes the class names and the split), the second parses the
 * numbers straight into the final buffers, so a large file is never held twice. The first pass alone is
 * the check a run's configuration gets before anything is stored (probeCsvDataset).
 *
 * Errors name the file, the line and the column by number, never a cell: the path may be any file the
 * user can read, and the header of /etc/passwd is as much its content as any other line.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { DataSplit, DatasetOutline, ImageDataset } from './dataset.js';
import { DatasetFieldError, describeFsError } from './fileErrors.js';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, planSplit, shuffledPlaces, type SplitPlan } from './split.js';

/** Labels are stored as bytes. */
const MAX_CLASSES = 256;

export interface CsvDatasetOptions {
  /** The label column's name in the header; default: the last column. */
  label?: string;
  /** Single file only: share of each class held out for testing (default 0.2). */
  testFraction?: number;
  /** The split's seed (default 1); it also fixes the order of examples inside each split. */
  seed?: number;
}

/**
 * Splits one CSV line into cells: commas separate, double quotes enclose a cell that may hold commas, and
 * "" inside quotes is a quote. Returns an error text for an unterminated quote (cells spanning lines are
 * not supported).
 */
export function splitCsvLine(line: string): string[] | { error: string } {
  const cells: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (char === ',') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += char;
    }
    i++;
  }
  if (quoted) return { error: 'a quoted cell is not closed on this line (cells spanning lines are not supported)' };
  cells.push(cell.trim());
  return cells;
}

interface CsvLine {
  number: number;
  cells: string[];
}

/** Streams the non-blank lines of a file, split into cells; errors name the file and line. */
async function* csvLines(path: string): AsyncGenerator<CsvLine> {
  const file = basename(path);
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (let text of lines) {
      number++;
      if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      const cells = splitCsvLine(text);
      if (!Array.isArray(cells)) throw new Error(`${file} line ${number}: ${cells.error}`);
      yield { number, cells };
    }
  } catch (error) {
    // Node's text for a failed read names the path and more; its code says what happened
    if ((error as NodeJS.ErrnoException).code !== undefined) throw new Error(`${file}: cannot read ${path} (${describeFsError(error)})`);
    throw error;
  } finally {
    lines.close();
    input.destroy();
  }
}

interface FileScan {
  path: string;
  header: string[];
  labelColumn: number;
  rows: number;
  /** Per row, the label value's index in `values` (first-appearance order). */
  labelIds: Uint16Array;
}

/** "line 3, column 2": where a cell is, never what it holds. */
function cellProblem(file: string, line: number, column: number, text: string, labelColumn: number): Error | undefined {
  const value = text === '' ? Number.NaN : Number(text);
  if (Number.isFinite(value)) return undefined;
  const what = text === '' ? 'is empty' : 'is not a finite number';
  return new Error(`${file} line ${line}, column ${column + 1}: ${what}; every column except the label column (column ${labelColumn + 1}) must hold numbers`);
}

/** Pass one: the header, every row's cell count, that every feature cell is a number, the labels. */
async function scanFile(path: string, labelName: string | undefined, values: Map<string, number>): Promise<FileScan> {
  const file = basename(path);
  let header: string[] | undefined;
  let labelColumn = -1;
  let labelIds = new Uint16Array(1024);
  let rows = 0;
  for await (const { number, cells } of csvLines(path)) {
    if (header === undefined) {
      header = cells;
      if (header.length < 2) {
        throw new Error(`${file} line ${number}: the header has only one column; a CSV data set needs at least one feature column and a label column, separated by commas`);
      }
      if (header.some((name) => name === '')) throw new Error(`${file} line ${number}: the header row has an empty column name; every column needs a name`);
      labelColumn = labelName === undefined ? header.length - 1 : header.indexOf(labelName);
      if (labelColumn < 0) throw new DatasetFieldError('label', `${file}: no column named "${labelName}" in the header (it has ${header.length} columns); set label to the name of one of them`);
      continue;
    }
    if (cells.length !== header.length) {
      throw new Error(`${file} line ${number}: the row has ${cells.length} cells but the header has ${header.length} columns; every row needs one value per column`);
    }
    for (let column = 0; column < cells.length; column++) {
      if (column === labelColumn) continue;
      const problem = cellProblem(file, number, column, cells[column]!, labelColumn);
      if (problem !== undefined) throw problem;
    }
    const value = cells[labelColumn]!;
    if (value === '') throw new Error(`${file} line ${number}: the label (column ${labelColumn + 1}) is empty`);
    let id = values.get(value);
    if (id === undefined) {
      id = values.size;
      if (id >= MAX_CLASSES) {
        throw new DatasetFieldError('label', `${file} line ${number}: more than ${MAX_CLASSES} distinct labels in column ${labelColumn + 1}; is it the label column? Name it with label`);
      }
      values.set(value, id);
    }
    if (rows === labelIds.length) {
      const grown = new Uint16Array(labelIds.length * 2);
      grown.set(labelIds);
      labelIds = grown;
    }
    labelIds[rows++] = id;
  }
  if (header === undefined) throw new Error(`${file}: the file is empty; a CSV data set needs a header row and data rows`);
  if (rows === 0) throw new Error(`${file}: has a header but no data rows`);
  return { path, header, labelColumn, rows, labelIds: labelIds.subarray(0, rows) };
}

/** Pass two: the numbers of every feature column, each row written where `place(row)` says. */
async function readFeatures(scan: FileScan, place: (row: number) => { features: Float32Array; index: number }): Promise<void> {
  const file = basename(scan.path);
  const featureCount = scan.header.length - 1;
  let row = -1;
  for await (const { number, cells } of csvLines(scan.path)) {
    if (row === -1) {
      row = 0;
      continue;
    }
    // the file must not change between the passes
    if (row >= scan.rows || cells.length !== scan.header.length) throw new Error(`${file}: the file changed while it was being read; read it again`);
    const { features, index } = place(row);
    let offset = index * featureCount;
    for (let column = 0; column < cells.length; column++) {
      if (column === scan.labelColumn) continue;
      const text = cells[column]!;
      const problem = cellProblem(file, number, column, text, scan.labelColumn);
      if (problem !== undefined) throw problem;
      features[offset++] = Number(text);
    }
    row++;
  }
}

/** Sorted class names (numeric order when every value is a number) and the map from first-appearance id to class. */
function classOrder(values: Map<string, number>): { classNames: string[]; classOfId: Uint8Array } {
  const names = [...values.keys()];
  const numeric = names.every((name) => Number.isFinite(Number(name)));
  names.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const classOfId = new Uint8Array(values.size);
  names.forEach((name, classIndex) => (classOfId[values.get(name)!] = classIndex));
  return { classNames: names, classOfId };
}

function emptySplit(count: number, featureCount: number): DataSplit {
  return { images: new Uint8Array(0), features: new Float32Array(count * featureCount), labels: new Uint8Array(count), count };
}

/** Pass one over a CSV data set's file or files: the shape of the data and, for one file, its split. */
type CsvScan =
  | { kind: 'pair'; target: string; train: FileScan; test: FileScan; classNames: string[]; classOfId: Uint8Array }
  | { kind: 'file'; target: string; scan: FileScan; classNames: string[]; labels: Uint16Array; plan: SplitPlan; fraction: number; seed: number };

async function scanCsvDataset(path: string, options: CsvDatasetOptions): Promise<CsvScan> {
  const target = resolve(path);
  if (!existsSync(target)) throw new Error(`CSV data set ${target} does not exist; give a .csv file or a folder holding train.csv and test.csv`);
  const values = new Map<string, number>();
  if (statSync(target).isDirectory()) {
    const trainPath = join(target, 'train.csv');
    const testPath = join(target, 'test.csv');
    for (const file of [trainPath, testPath]) {
      if (!existsSync(file)) throw new Error(`CSV data set folder ${target} has no ${basename(file)}; a folder needs train.csv and test.csv (or give one .csv file to split)`);
    }
    const train = await scanFile(trainPath, options.label, values);
    const test = await scanFile(testPath, options.label, values);
    if (test.header.join('\u0000') !== train.header.join('\u0000')) {
      // where they differ, not what they say
      const column = test.header.length !== train.header.length ? -1 : test.header.findIndex((name, i) => name !== train.header[i]);
      const where = column < 0 ? `it has ${test.header.length} columns, train.csv ${train.header.length}` : `column ${column + 1} is named differently`;
      throw new Error(`test.csv: its header differs from train.csv's (${where}); both files need the same columns in the same order`);
    }
    const { classNames, classOfId } = classOrder(values);
    if (classNames.length < 2) throw new Error('train.csv: every row has the same label; a classifier needs at least two classes');
    return { kind: 'pair', target, train, test, classNames, classOfId };
  }
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  const scan = await scanFile(target, options.label, values);
  const { classNames, classOfId } = classOrder(values);
  const file = basename(target);
  if (classNames.length < 2) throw new Error(`${file}: every row has the same label; a classifier needs at least two classes`);
  const labels = scan.labelIds.map((id) => classOfId[id]!);
  const plan = planSplit(labels, classNames.length, fraction, seed);
  if (plan.trainCount === 0 || plan.testCount === 0) {
    throw new DatasetFieldError(
      'testFraction',
      `${file}: ${scan.rows} rows split with testFraction ${fraction} leave ${plan.trainCount} for training and ${plan.testCount} for testing; both need at least one — add rows or change testFraction`,
    );
  }
  return { kind: 'file', target, scan, classNames, labels, plan, fraction, seed };
}

function csvSource(scanned: CsvScan): string {
  if (scanned.kind === 'pair') {
    const { train } = scanned;
    return `CSV files train.csv and test.csv in ${scanned.target} (${train.header.length - 1} features, label column "${train.header[train.labelColumn]}")`;
  }
  const { scan, fraction, seed } = scanned;
  return `CSV file ${scanned.target} (${scan.header.length - 1} features, label column "${scan.header[scan.labelColumn]}", ${Math.round(fraction * 100)} % of each class held out for testing, seed ${seed})`;
}

/** What loadCsvDataset would give, from one pass over the file(s) that keeps only the labels. */
export async function probeCsvDataset(path: string, options: CsvDatasetOptions = {}): Promise<DatasetOutline> {
  const scanned = await scanCsvDataset(path, options);
  const header = scanned.kind === 'pair' ? scanned.train.header : scanned.scan.header;
  return {
    name: 'csv',
    classCount: scanned.classNames.length,
    imageShape: [1, 1, header.length - 1],
    trainCount: scanned.kind === 'pair' ? scanned.train.rows : scanned.plan.trainCount,
    testCount: scanned.kind === 'pair' ? scanned.test.rows : scanned.plan.testCount,
    source: csvSource(scanned),
  };
}

/** Loads a CSV data set from one file (seeded split) or a folder with train.csv and test.csv. */
export async function loadCsvDataset(path: string, options: CsvDatasetOptions = {}): Promise<ImageDataset> {
  const scanned = await scanCsvDataset(path, options);
  const { classNames } = scanned;
  if (scanned.kind === 'pair') {
    const featureCount = scanned.train.header.length - 1;
    const train = emptySplit(scanned.train.rows, featureCount);
    const test = emptySplit(scanned.test.rows, featureCount);
    const seed = options.seed ?? DEFAULT_SPLIT_SEED;
    for (const [scan, split, name] of [[scanned.train, train, 'train'], [scanned.test, test, 'test']] as const) {
      const places = shuffledPlaces(scan.rows, seed, name);
      for (let row = 0; row < scan.rows; row++) split.labels[places[row]!] = scanned.classOfId[scan.labelIds[row]!]!;
      await readFeatures(scan, (row) => ({ features: split.features!, index: places[row]! }));
    }
    return { name: 'csv', classNames, imageShape: [1, 1, featureCount], train, test, source: csvSource(scanned) };
  }
  const { scan, plan, labels } = scanned;
  const featureCount = scan.header.length - 1;
  const train = emptySplit(plan.trainCount, featureCount);
  const test = emptySplit(plan.testCount, featureCount);
  for (let row = 0; row < scan.rows; row++) {
    const slot = plan.slot[row]!;
    if (slot >= 0) train.labels[slot] = labels[row]!;
    else test.labels[-1 - slot] = labels[row]!;
  }
  await readFeatures(scan, (row) => {
    const slot = plan.slot[row]!;
    return slot >= 0 ? { features: train.features!, index: slot } : { features: test.features!, index: -1 - slot };
  });
  return { name: 'csv', classNames, imageShape: [1, 1, featureCount], train, test, source: csvSource(scanned) };
}
