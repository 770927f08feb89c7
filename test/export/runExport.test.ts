/**
 * Exports of real runs through the service: a trained CNN's TF.js and ONNX files predict what the studio's
 * rebuilt network predicts on the run's own test images; the metrics files hold every stored step and epoch;
 * the reports are one self-contained HTML file; every export is recorded among the run's files; bad inputs
 * are refused naming what was wrong, and change nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { StudioService } from '../../app/api/service.js';
import type { ExportResult, TrainConfigInput } from '../../app/api/types.js';
import { batchToFloat } from '../../app/data/index.js';
import { initBackend } from '../../app/engine/backend.js';
import { loadTrainedModel } from '../../app/training/trainedModel.js';
import { ConfigError, NotFoundError, StateError } from '../../app/validation.js';
import { storeMidwayComparison } from '../support/comparisons.js';
import { maxAbsDifference, predictWithLayersModel, predictWithOnnxRuntime } from '../support/exports.js';
import { temporaryFolder, TINY_DATA } from '../support/runs.js';

const folder = temporaryFolder('fsam-export-runs-');
let service: StudioService;
let runId: number;

before(async () => {
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  const run = await service.startRun({ config: { data: TINY_DATA, model: 'cnn', epochs: 2, batchSize: 32, optimizer: { name: 'fsam', lr: 0.05 } } });
  runId = run.id;
  const ended = await service.manager.waitForEnd(runId);
  assert.equal(ended.status, 'completed');
});
after(async () => {
  await service.close();
  folder.remove();
});

function single(result: ExportResult) {
  assert.equal(result.files.length, 1);
  return result.files[0]!;
}

describe('exporting a trained run', () => {
  test('TF.js and ONNX exports predict the studio network\'s logits on the run\'s test images', async () => {
    await initBackend();
    const tfjs = await service.exportRun({ runId, format: 'tfjs' });
    assert.deepEqual(tfjs.files.map((f) => f.name), ['model.json', 'weights.bin']);
    const onnx = single(await service.exportRun({ runId, format: 'onnx' }));
    assert.equal(onnx.name, `run-${runId}-model.onnx`);

    const { run } = await service.getRun(runId);
    const model = await loadTrainedModel(run.config, service.store.latestCheckpoint(runId)!.path);
    try {
      const count = 32;
      const shape = [count, ...model.dataset.imageShape];
      const pixels = batchToFloat(model.dataset.test, Int32Array.from({ length: count }, (_, i) => i));
      const expected = tf.tidy(() => model.network.predict(model.normalizer.apply(tf.tensor(pixels, shape))).dataSync());
      const layers = await predictWithLayersModel(dirname(tfjs.files[0]!.path), pixels, shape);
      const onnxLogits = (await predictWithOnnxRuntime(onnx.path, pixels, shape)).logits;
      const layersDifference = maxAbsDifference(layers, expected);
      const onnxDifference = maxAbsDifference(onnxLogits, expected);
      console.log(`trained cnn (run ${runId}): tf.loadLayersModel max |Δ| ${layersDifference.toExponential(2)}, ONNX Runtime max |Δ| ${onnxDifference.toExponential(2)}`);
      assert.ok(layersDifference <= 1e-5, `tf.loadLayersModel differs by ${layersDifference}`);
      assert.ok(onnxDifference <= 1e-4, `ONNX Runtime differs by ${onnxDifference}`);
      // the metadata carries what a user needs to read the logits
      const modelJson = JSON.parse(readFileSync(tfjs.files[0]!.path, 'utf8')) as { userDefinedMetadata: { classNames: string[] } };
      assert.deepEqual(modelJson.userDefinedMetadata.classNames, model.dataset.classNames);
    } finally {
      model.dispose();
    }
    // every file is recorded with the run, with its size on disk
    const recorded = (await service.getRun(runId)).files.filter((f) => f.kind === 'export');
    for (const file of [...tfjs.files, onnx]) {
      const match = recorded.find((r) => r.id === file.fileId);
      assert.ok(match, `file ${file.name} is recorded`);
      assert.equal(match.path, file.path);
      assert.equal(match.bytes, readFileSync(file.path).byteLength);
    }
  });

  test('CSV has a header and one row per stored step, with each epoch\'s evaluation on its last step', async () => {
    const csv = single(await service.exportRun({ runId, format: 'csv' }));
    const [header, ...rows] = readFileSync(csv.path, 'utf8').trimEnd().split('\n');
    const columns = header!.split(',');
    assert.deepEqual(columns.slice(0, 3), ['step', 'epoch', 'loss']);
    const steps = service.store.stepsFrom(runId, 0);
    const epochs = service.store.epochs(runId);
    assert.equal(rows.length, steps.length);
    const cell = (row: string, name: string) => row.split(',')[columns.indexOf(name)]!;
    rows.forEach((row, i) => {
      assert.equal(Number(cell(row, 'step')), steps[i]!.step);
      assert.equal(Number(cell(row, 'loss')), steps[i]!.loss, 'full precision');
    });
    const evaluated = rows.filter((row) => cell(row, 'testAccuracy') !== '');
    assert.equal(evaluated.length, epochs.length);
    evaluated.forEach((row, i) => {
      assert.equal(Number(cell(row, 'step')), epochs[i]!.step - 1);
      assert.equal(Number(cell(row, 'testAccuracy')), epochs[i]!.test.accuracy);
    });
  });

  test('JSON holds the config, the status history, every step and every epoch', async () => {
    const json = single(await service.exportRun({ runId, format: 'json' }));
    const parsed = JSON.parse(readFileSync(json.path, 'utf8'));
    const detail = await service.getRun(runId);
    assert.deepEqual(parsed.config, detail.run.config);
    assert.deepEqual(parsed.epochs, detail.epochs);
    assert.deepEqual(parsed.steps, service.store.stepsFrom(runId, 0));
    assert.deepEqual(parsed.classNames, detail.classNames);
    assert.equal(parsed.transitions.at(-1).status, 'completed');
  });

  test('a run report is one self-contained HTML file with its charts and epochs', async () => {
    const report = single(await service.exportRun({ runId, format: 'report' }));
    const html = readFileSync(report.path, 'utf8');
    assertSelfContained(html);
    assert.equal((html.match(/<svg /g) ?? []).length, 2, 'train loss and test accuracy charts');
    assert.ok(html.includes('<polyline'), 'the charts have curves');
    assert.equal((await service.getRun(runId)).files.find((f) => f.id === report.fileId)?.kind, 'report');
  });

  test('bad requests are refused naming the field; a run without a checkpoint says what to do; nothing changes', async () => {
    const before = service.store.files(runId);
    await assert.rejects(service.exportRun({ runId, format: 'zip' as never }), (e: unknown) => e instanceof ConfigError && /request\.format/.test(e.message) && /onnx/.test(e.message));
    await assert.rejects(service.exportRun({ runId: 0, format: 'csv' }), (e: unknown) => e instanceof ConfigError && /runId/.test(e.message));
    await assert.rejects(service.exportRun({ runId: 999, format: 'csv' }), NotFoundError);
    await assert.rejects(service.exportComparison({ comparisonId: 'x' as never }), (e: unknown) => e instanceof ConfigError && /comparisonId/.test(e.message));
    assert.deepEqual(service.store.files(runId), before);
    // a run that never trained has no checkpoint to export
    const untrained = service.store.createRun({ name: 'never started', config: service.store.getRun(runId).config });
    await assert.rejects(service.exportRun({ runId: untrained.id, format: 'onnx' }), (e: unknown) => e instanceof StateError && /no checkpoint/.test(e.message) && /resume/.test(e.message));
    assert.deepEqual(service.store.files(untrained.id), []);
    // a checkpoint that does not fit the run's model: the export worker's error reaches the caller
    const mismatched = service.store.createRun({ name: 'wrong checkpoint', config: { ...service.store.getRun(runId).config, model: 'mlp' } });
    service.store.addFile(mismatched.id, 'checkpoint', service.store.latestCheckpoint(runId)!.path, 1, 1);
    await assert.rejects(service.exportRun({ runId: mismatched.id, format: 'tfjs' }), /does not fit the run's model \(mlp\)/);
    assert.deepEqual(service.store.files(mismatched.id).map((f) => f.kind), ['checkpoint'], 'no export recorded');
  });
});

describe('a run on a tabular (CSV) data set', () => {
  test('its models take the raw features as [n, 1, 1, features] and standardise them inside', async () => {
    await initBackend();
    // three classes in four features of very different scales, so the standardisation inside matters
    const rows = ['a,b,c,d,label'];
    for (let i = 0; i < 240; i++) {
      const label = i % 3;
      rows.push([label * 100 + (i % 7), 0.01 * label + 0.001 * (i % 5), -50 + label * 3 + (i % 11) * 0.5, (i * 37) % 13, `k${label}`].join(','));
    }
    const csvPath = join(folder.path, 'table.csv');
    writeFileSync(csvPath, rows.join('\n'));
    const run = await service.startRun({ config: { data: { name: 'csv', path: csvPath }, model: 'mlp', epochs: 1, batchSize: 32, optimizer: { name: 'sam', lr: 0.05 } } as TrainConfigInput });
    assert.equal((await service.manager.waitForEnd(run.id)).status, 'completed');
    const tfjs = await service.exportRun({ runId: run.id, format: 'tfjs' });
    const onnx = single(await service.exportRun({ runId: run.id, format: 'onnx' }));
    const model = await loadTrainedModel(service.store.getRun(run.id).config, service.store.latestCheckpoint(run.id)!.path);
    try {
      assert.deepEqual(model.dataset.imageShape, [1, 1, 4]);
      const count = 12;
      const features = batchToFloat(model.dataset.test, Int32Array.from({ length: count }, (_, i) => i));
      const shape = [count, 1, 1, 4];
      const expected = tf.tidy(() => model.network.predict(model.normalizer.apply(tf.tensor(features, shape))).dataSync());
      assert.ok(maxAbsDifference(await predictWithLayersModel(dirname(tfjs.files[0]!.path), features, shape), expected) <= 1e-5);
      assert.ok(maxAbsDifference((await predictWithOnnxRuntime(onnx.path, features, shape)).logits, expected) <= 1e-4);
    } finally {
      model.dispose();
    }
  });
});

describe('a comparison report', () => {
  test('holds the summary table with mean ± sd, paired differences with their interval, the winner, and curves per arm', async () => {
    const detail = await service.createComparison({
      name: 'SAM vs F-SAM <tiny>',
      config: { data: TINY_DATA, model: 'mlp', epochs: 1, batchSize: 32, optimizer: { lr: 0.05 } } as unknown as TrainConfigInput,
      arms: [{ optimizer: { name: 'sam' } }, { optimizer: { name: 'fsam' } }],
      seeds: [1, 2],
    });
    for (const id of detail.comparison.runIds) await service.manager.waitForEnd(id);
    const { results } = await service.getComparison(detail.comparison.id);
    assert.ok(results.winner, 'every run ended, so there is a winner');
    const report = single(await service.exportComparison({ comparisonId: detail.comparison.id }));
    const html = readFileSync(report.path, 'utf8');
    assertSelfContained(html);
    assert.ok(html.includes('SAM vs F-SAM &lt;tiny&gt;'), 'the name is escaped');
    assert.ok(!html.includes('<tiny>'));
    for (const arm of results.arms) {
      const final = arm.finalTestAccuracy!;
      assert.ok(html.includes(`${(100 * final.mean).toFixed(2)} ± ${(100 * final.standardDeviation!).toFixed(2)} %`), `mean ± sd of ${arm.arm}`);
    }
    const difference = results.differences.find((d) => d.metric === 'finalTestAccuracy')!;
    const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(2)}`;
    assert.ok(html.includes(`${signed(difference.meanDifference)} [${signed(difference.low!)}, ${signed(difference.high!)}]`), 'the paired difference with its 95% CI');
    assert.match(html, new RegExp(`${results.winner}<span class="badge">winner`));
    // per arm: two faint seed curves and the mean, in each of the two charts
    assert.equal((html.match(/stroke-opacity="0.35"/g) ?? []).length, 2 * 2 * 2);
    const firstRun = detail.comparison.runIds[0]!;
    assert.ok(service.store.files(firstRun).some((f) => f.id === report.fileId && f.kind === 'report' && existsSync(f.path)));
  });
});

describe('a comparison report while runs are unfinished (issue 13)', () => {
  test('a running arm is provisional, an interrupted run is listed apart, and there is no winner', async () => {
    // the observed case: SGD finished at 84 %, SAM still training (50.8 % after 1 of 3 epochs), F-SAM interrupted after 2
    const { comparisonId, runIds } = storeMidwayComparison(service.store, 'SGD vs SAM vs F-SAM, mid-way', 'the process training this run ended before it did');
    const { results } = await service.getComparison(comparisonId);
    assert.equal(results.winner, null);
    const html = readFileSync(single(await service.exportComparison({ comparisonId })).path, 'utf8');
    assertSelfContained(html);
    assert.ok(!html.includes('class="badge">winner'), 'no winner badge');
    assert.ok(!html.includes('−33.20'), 'no paired Δ of the running SAM (50.8 %) against SGD (84 %)');
    assert.ok(html.includes(results.winnerPending!), 'the reason there is no winner yet');
    assert.match(html, /No winner yet: sam seed 1 is running \(1 of 3 epochs done\); fsam seed 1 was interrupted after 2 of 3 epochs/);
    // the summary: SGD's final, and a dash for the other two, with their runs marked
    assert.match(html, /■<\/span> sgd<\/td><td class="num">1 \/ 1<\/td><td class="num">84\.00 %/);
    assert.match(html, /■<\/span> sam<\/td><td class="num">0 \/ 1<span class="provisional">\+ 1 provisional<\/span><\/td><td class="num">—<\/td>/);
    assert.match(html, /■<\/span> fsam<\/td><td class="num">0 \/ 1<span class="excluded">1 not counted<\/span><\/td><td class="num">—<\/td>/);
    // the provisional run with its progress and latest accuracy; the interrupted run apart
    const provisional = /<h3>Not yet counted: still training \(provisional\)<\/h3><table class="provisional-runs">([\s\S]*?)<\/table>/.exec(html);
    assert.ok(provisional, 'a table of provisional runs');
    assert.ok(provisional[1]!.includes(`<td class="num">${runIds.get('sam/1')}</td><td>sam</td><td class="num">1</td><td>running</td><td class="num">33 % (epoch 1 of 3)</td><td class="num">50.80 %<span class="provisional">provisional</span>`));
    const excluded = /<h3>Not counted: ended without completing<\/h3><table class="excluded-runs">([\s\S]*?)<\/table>/.exec(html);
    assert.ok(excluded, 'a table of runs not counted');
    assert.ok(excluded[1]!.includes(`<td class="num">${runIds.get('fsam/1')}</td><td>fsam</td><td class="num">1</td><td>interrupted</td><td class="num">2 of 3</td><td>the process training this run ended before it did</td>`));
    assert.ok(!excluded[1]!.includes('<td>sam</td>') && !provisional[1]!.includes('<td>fsam</td>'), 'each run in one list');
    // the runs table marks the accuracies that are not final
    assert.match(html, /<td>running<\/td><td class="num">50\.80 %<span class="provisional">provisional<\/span>/);
    assert.match(html, /<td>interrupted<\/td><td class="num">70\.00 %<span class="excluded">not counted<\/span>/);
  });
});

function assertSelfContained(html: string): void {
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!/<script/i.test(html), 'no script');
  assert.ok(!/\s(src|href)=/i.test(html), 'no external resource');
  assert.ok(!/@import|url\(/i.test(html), 'no external style or font');
}
