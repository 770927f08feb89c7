/** `fsam-studio export` as a real child process on a real store: each format, a comparison report, bad input. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../app/engine/backend.js';
import { runCli } from '../support/cli.js';
import { predictWithLayersModel, predictWithOnnxRuntime, maxAbsDifference } from '../support/exports.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-export-cli-');
after(() => folder.remove());
const db = ['--db', join(folder.path, 'studio.db')];
const configFile = join(folder.path, 'tiny.json');
writeFileSync(configFile, JSON.stringify({ data: { name: 'shapes10', trainCount: 256, testCount: 64, size: 12, channels: 1 }, batchSize: 32, epochs: 1 }));
const TINY = ['--config', configFile];

test('export writes every format of a trained run, and a comparison report; bad input exits 2 and keeps files', async () => {
  await initBackend();
  const help = await runCli(['export', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /fsam-studio export RUN --format FORMAT/);
  const trained = await runCli(['train', ...TINY, '--model', 'cnn', '--optimizer', 'sam', '--json', ...db]);
  assert.equal(trained.code, 0, trained.stderr);
  const runId = JSON.parse(trained.stdout).runs[0].id as number;

  const onnxPath = join(folder.path, 'model.onnx');
  const onnx = await runCli(['export', String(runId), '--format', 'onnx', '--out', onnxPath, ...db]);
  assert.equal(onnx.code, 0, onnx.stderr);
  assert.match(onnx.stdout, /wrote .*model\.onnx \([\d,]+ bytes\)/);
  const tfjsFolder = join(folder.path, 'tfjs');
  const tfjs = await runCli(['export', String(runId), '--format', 'tfjs', '--out', tfjsFolder, '--json', ...db]);
  assert.equal(tfjs.code, 0, tfjs.stderr);
  assert.deepEqual(JSON.parse(tfjs.stdout).files.map((f: { name: string }) => f.name), ['model.json', 'weights.bin']);
  // the two files agree with each other on any input (each is checked against the studio in the other tests)
  const shape = [3, 12, 12, 1];
  const pixels = Float32Array.from({ length: 3 * 144 }, (_, i) => (i * 37 % 101) / 100);
  const fromOnnx = (await predictWithOnnxRuntime(onnxPath, pixels, shape)).logits;
  const fromLayers = await predictWithLayersModel(tfjsFolder, pixels, shape);
  assert.ok(maxAbsDifference(fromOnnx, fromLayers) <= 1e-4);

  for (const [format, file, check] of [
    ['csv', 'metrics.csv', (text: string) => assert.equal(text.trimEnd().split('\n').length, 1 + 8)],
    ['json', 'metrics.json', (text: string) => assert.equal(JSON.parse(text).steps.length, 8)],
    ['report', 'report.html', (text: string) => assert.match(text, /^<!doctype html>[\s\S]*<svg [\s\S]*<\/html>\n$/)],
  ] as const) {
    const out = join(folder.path, file);
    const result = await runCli(['export', String(runId), '--format', format, '--out', out, ...db]);
    assert.equal(result.code, 0, `${format}: ${result.stderr}`);
    check(readFileSync(out, 'utf8'));
  }

  const compared = await runCli(['compare', ...TINY, '--model', 'mlp', '--optimizers', 'sam,fsam', '--seeds', '1,2', '--json', ...db]);
  assert.equal(compared.code, 0, compared.stderr);
  const comparisonId = JSON.parse(compared.stdout).comparison.id as number;
  const reportPath = join(folder.path, 'comparison.html');
  const report = await runCli(['export', '--comparison', String(comparisonId), '--out', reportPath, ...db]);
  assert.equal(report.code, 0, report.stderr);
  const html = readFileSync(reportPath, 'utf8');
  assert.match(html, /<span class="badge">winner<\/span>/);
  assert.match(html, /Δ final vs baseline/);

  // bad input: named, exit 2, and an existing file is left as it was
  const kept = join(folder.path, 'kept.csv');
  writeFileSync(kept, 'mine');
  const cases: [string[], RegExp][] = [
    [['export', String(runId), '--format', 'zip'], /"zip" is not a format; use one of tfjs, onnx, csv, json, report/],
    [['export', String(runId)], /export needs --format/],
    [['export', 'abc', '--format', 'csv'], /expected a run id/],
    [['export', String(runId), '--format', 'csv', '--out', kept], /already exists; .*--force/],
    [['export', '--comparison', String(comparisonId), '--format', 'onnx'], /only as --format report/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli([...args, ...db]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  assert.equal(readFileSync(kept, 'utf8'), 'mine');
  const missing = await runCli(['export', '999', '--format', 'csv', '--out', join(folder.path, 'none.csv'), ...db]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no run 999/i);
  assert.ok(!existsSync(join(folder.path, 'none.csv')));
});
