import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from '../../app/data/index.js';
import { previewDataset } from '../../app/data/preview.js';
import { initBackend } from '../../app/engine/backend.js';
import { Random } from '../../app/engine/random.js';
import { parseTrainConfig, trainConfigSchema } from '../../app/training/config.js';
import { Trainer, type RunSummary } from '../../app/training/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'fsam-csv-train-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * Three classes of points around far-apart centres, on feature scales from 0.01 to 1000 (so training only
 * works if every feature is standardised, not divided by 255 like pixels).
 */
function writeBlobs(path: string, rows: number): void {
  const random = Random.stream(5, 'csv blobs');
  const centres = [
    [0, 0, 0, 0],
    [4, 4, 0, -4],
    [-4, 4, 4, 0],
  ];
  const scales = [0.01, 1, 1000, 5];
  const lines = ['f0,f1,f2,f3,kind'];
  for (let i = 0; i < rows; i++) {
    const kind = i % 3;
    const values = centres[kind]!.map((centre, f) => ((centre + random.normal()) * scales[f]!).toFixed(5));
    lines.push(`${values.join(',')},${['alpha', 'beta', 'gamma'][kind]}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

test('an mlp trains end to end on a CSV data set and learns it', async () => {
  await initBackend();
  const path = join(root, 'blobs.csv');
  writeBlobs(path, 600);
  const config = parseTrainConfig({
    data: { name: 'csv', path, testFraction: 0.25 },
    model: 'mlp',
    optimizer: { name: 'fsam', lr: 0.05, rho: 0.05 },
    epochs: 3,
    batchSize: 30,
    schedule: { kind: 'constant' },
    trainEvalCount: 0,
  });
  const dataset = await loadDataset(config.data);
  assert.deepEqual(dataset.imageShape, [1, 1, 4]);
  const trainer = new Trainer(config, dataset);
  let summary: RunSummary | undefined;
  let perClassAccuracy: (number | null)[] = [];
  for await (const event of trainer.run()) {
    if (event.type === 'finished') summary = event.summary;
    if (event.type === 'epoch') perClassAccuracy = event.record.test.perClassAccuracy;
  }
  trainer.dispose();
  assert.ok(summary);
  assert.equal(summary.steps, 3 * Math.floor(450 / 30));
  assert.equal(summary.status, 'completed');
  assert.ok(summary.finalTestAccuracy! > 0.95, `test accuracy ${summary.finalTestAccuracy} on well-separated blobs`);
  assert.equal(perClassAccuracy.length, 3);
});

test('models that need images are refused for CSV data at validation, naming the model field', () => {
  const path = join(root, 'any.csv');
  for (const model of ['cnn', 'resnet20'] as const) {
    assert.throws(() => parseTrainConfig({ data: { name: 'csv', path }, model, optimizer: { name: 'sgd', lr: 0.1 } }), {
      message: new RegExp(`^Invalid run configuration — model: the ${model} model needs images, but a "csv" data set holds feature vectors .*; choose model "mlp"`),
    });
  }
  const check = trainConfigSchema.safeParse({ data: { name: 'csv', path }, model: 'cnn', optimizer: { name: 'sgd', lr: 0.1 } });
  assert.equal(check.success, false);
  assert.deepEqual(check.error!.issues[0]!.path, ['model']);
  assert.doesNotThrow(() => parseTrainConfig({ data: { name: 'csv', path }, model: 'mlp', optimizer: { name: 'sgd', lr: 0.1 } }));
});

test('CSV data: augmentation is refused at its field, and the preview gives class counts without pictures', async () => {
  const path = join(root, 'preview.csv');
  writeBlobs(path, 90);
  assert.throws(() => parseTrainConfig({ data: { name: 'csv', path }, model: 'mlp', optimizer: { name: 'sgd', lr: 0.1 }, augmentation: { flip: true } }), {
    message: /augmentation: crop, flip and cutout work on images, but a "csv" data set holds feature vectors; leave augmentation off/,
  });
  assert.doesNotThrow(() => parseTrainConfig({ data: { name: 'csv', path }, model: 'mlp', optimizer: { name: 'sgd', lr: 0.1 }, augmentation: { flip: false } }));

  const dataset = await loadDataset({ name: 'csv', path, testFraction: 0.2 });
  const preview = previewDataset(dataset, { labelNoise: { kind: 'symmetric', fraction: 0.5 }, seed: 3, perClass: 4 });
  assert.deepEqual(preview.classNames, ['alpha', 'beta', 'gamma']);
  assert.deepEqual(preview.samples, [[], [], []]);
  assert.equal(preview.cleanClassCounts.reduce((a, b) => a + b, 0), dataset.train.count);
  assert.equal(preview.trainClassCounts.reduce((a, b) => a + b, 0), dataset.train.count);
  assert.ok(preview.flipped > 0, 'label noise still applies to feature data');
});
