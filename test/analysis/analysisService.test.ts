/**
 * A real trained run analysed end to end: in a worker thread through the service (stored in a real SQLite
 * file and read back after reopening it), in-process without leaking tensors, and through the CLI process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { filterNormalizedDirection } from '../../app/analysis/landscape.js';
import { analysisBatches, analyzeTrainedModel } from '../../app/analysis/runAnalysis.js';
import { Random } from '../../app/engine/random.js';
import { DEFAULT_ANALYSIS_OPTIONS } from '../../app/analysis/options.js';
import { StudioService } from '../../app/api/service.js';
import type { AnalysisInfo, AnalysisOptions } from '../../app/api/types.js';
import { initBackend } from '../../app/engine/backend.js';
import { StudioStore } from '../../app/store/store.js';
import { loadTrainedModel } from '../../app/training/trainedModel.js';
import { ConfigError, NotFoundError, StateError } from '../../app/validation.js';
import { runCli } from '../support/cli.js';
import { temporaryFolder, tinyRunConfig, until } from '../support/runs.js';

/** Small enough for seconds on two shared cores: 2 batches of 32, few iterations, a 5-point curve, 3×3 surface. */
const SMALL: Partial<AnalysisOptions> = { batches: 2, batchSize: 32, ascentSteps: 2, powerIterations: 4, curvePoints: 5, surfacePoints: 3 };

function assertWellFormed(analysis: AnalysisInfo): void {
  assert.equal(analysis.status, 'completed', analysis.message ?? '');
  const result = analysis.result!;
  assert.equal(result.batches, 2);
  assert.equal(result.examples, 64);
  assert.equal(result.sharpness.perBatch.length, 2);
  assert.ok(Number.isFinite(result.sharpness.mean) && result.sharpness.mean > 0, `sharpness ${result.sharpness.mean} is a positive number`);
  assert.ok(result.hessian.iterations >= 1 && result.hessian.iterations <= 4);
  assert.equal(result.hessian.history.length, result.hessian.iterations);
  assert.ok(Number.isFinite(result.hessian.topEigenvalue));
  assert.deepEqual(result.curve.alphas, [-1, -0.5, 0, 0.5, 1]);
  assert.equal(result.curve.losses.length, 5);
  assert.equal(result.surface.losses.length, 3);
  for (const row of result.surface.losses) assert.equal(row.length, 3);
  // α = 0 is the trained weights themselves: the curve's and the surface's centre are the loss at w
  assert.ok(Math.abs(result.curve.losses[2]! - result.loss) < 1e-5);
  assert.ok(Math.abs(result.surface.losses[1]![1]! - result.loss) < 1e-5);
}

describe('analysis of a trained run', () => {
  const folder = temporaryFolder('fsam-analysis-');
  const databasePath = join(folder.path, 'studio.db');
  let service: StudioService;
  let runId: number;

  before(async () => {
    service = StudioService.open({ databasePath, concurrency: 1 });
    const run = await service.startRun({ config: tinyRunConfig({ model: 'cnn', epochs: 1, optimizer: { name: 'sam', lr: 0.05 } }) });
    runId = run.id;
    // a run still training cannot be analysed (its weights are moving); nothing is stored for the refusal
    await assert.rejects(service.analyzeRun({ runId }), (error: unknown) => error instanceof StateError && /queued|running/.test(error.message));
    const ended = await service.manager.waitForEnd(runId);
    assert.equal(ended.status, 'completed', ended.message ?? '');
  });
  after(async () => {
    await service.close();
    folder.remove();
  });

  test('bad requests are refused naming the field, and store nothing', async () => {
    const refused = async (request: unknown, kind: typeof ConfigError | typeof NotFoundError, fragment: string) =>
      assert.rejects(service.analyzeRun(request as never), (error: unknown) => {
        assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
        assert.ok((error as Error).message.includes(fragment), `"${(error as Error).message}" names ${fragment}`);
        return true;
      });
    await refused({ runId: 'one' }, ConfigError, 'request.runId');
    await refused({ runId, rho: -0.1 }, ConfigError, 'request.rho');
    await refused({ runId, batches: 2.5 }, ConfigError, 'request.batches');
    await refused({ runId, split: 'validation' }, ConfigError, 'request.split');
    await refused({ runId, radius: 1 }, ConfigError, 'radius');
    await refused({ runId: 999 }, NotFoundError, '999');
    await assert.rejects(service.getAnalyses({ runIds: [] }), (error: unknown) => error instanceof ConfigError && error.message.includes('request.runIds'));
    assert.deepEqual(await service.getAnalyses({ runIds: [runId] }), []);
  });

  test('an analysis runs in a worker, is stored with the run, and the same seed measures the same', { timeout: 300_000 }, async () => {
    const started = await service.analyzeRun({ runId, ...SMALL });
    assert.ok(started.status === 'queued' || started.status === 'running', 'analyzeRun returns before the analysis is done');
    assert.equal(started.options.rho, DEFAULT_ANALYSIS_OPTIONS.rho, 'omitted options take their defaults');
    const first = await service.analyses.waitForEnd(started.id);
    assertWellFormed(first);
    assert.equal(first.result!.step, 8, 'the checkpoint after the one epoch of 8 steps');

    const again = await service.analyses.waitForEnd((await service.analyzeRun({ runId, ...SMALL })).id);
    assert.deepEqual(again.result!.curve, first.result!.curve, 'same seed: same batches and direction');
    assert.deepEqual(again.result!.sharpness.perBatch, first.result!.sharpness.perBatch);
    const reseeded = await service.analyses.waitForEnd((await service.analyzeRun({ runId, ...SMALL, seed: 1 })).id);
    assert.notDeepEqual(reseeded.result!.curve.losses, first.result!.curve.losses, 'another seed: another direction');

    const listed = await service.getAnalyses({ runIds: [runId] });
    assert.deepEqual(listed.map((a) => a.id), [reseeded.id, again.id, first.id], 'newest first');
    assert.deepEqual(listed[2], first);

    // kept in the file: another store on it reads the same rows
    const reader = StudioStore.open(databasePath);
    try {
      assert.deepEqual(reader.analyses.ofRuns([runId])[2], first);
    } finally {
      reader.close();
    }
  });

  test('in-process, an analysis allocates no tensor it does not free', { timeout: 300_000 }, async () => {
    const backend = await initBackend();
    const checkpoint = service.store.latestCheckpoint(runId)!;
    const model = await loadTrainedModel(service.store.getRun(runId).config, checkpoint.path);
    try {
      const options = { ...DEFAULT_ANALYSIS_OPTIONS, ...SMALL };
      const tensors = tf.memory().numTensors;
      const fractions: number[] = [];
      const result = await analyzeTrainedModel(model, options, { backend: backend.name, onProgress: (p) => fractions.push(p.fraction) });
      assert.equal(tf.memory().numTensors, tensors);
      assertWellFormed({ status: 'completed', result } as AnalysisInfo);
      assert.equal(fractions.at(-1), 1, 'progress reaches 100 %');
      assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!), 'progress never goes back');
    } finally {
      model.dispose();
    }
  });

  test('fsam-studio analyze measures a run from the command line and prints JSON; bad flags are named', { timeout: 300_000 }, async () => {
    // the CLI process opens the same file; this process's service is idle meanwhile
    const bad = await runCli(['analyze', String(runId), '--rho', '0', '--db', databasePath]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--rho must be greater than 0/);
    assert.equal((await runCli(['analyze', 'x', '--db', databasePath])).code, 2);

    const args = ['--batches', '2', '--batch-size', '32', '--ascent-steps', '2', '--iterations', '4', '--points', '5', '--surface-points', '3'];
    const result = await runCli(['analyze', String(runId), ...args, '--json', '--db', databasePath]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { database: string; analysis: AnalysisInfo };
    assert.equal(report.database, databasePath);
    assertWellFormed(report.analysis);
    const stored = (await service.getAnalyses({ runIds: [runId] }))[0]!;
    assert.deepEqual(stored, report.analysis, 'the service sees what the CLI stored');

    const text = await runCli(['analyze', String(runId), ...args, '--db', databasePath]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /SAM sharpness \(ρ = 0\.05\)/);
    assert.match(text.stdout, /top Hessian eigenvalue/);
  });

  test("a run's HTML report carries its newest sharpness analysis: the table and the loss curve", async () => {
    const [newest] = (await service.getAnalyses({ runIds: [runId] })).filter((analysis) => analysis.status === 'completed');
    assert.ok(newest?.result, 'the run has a completed analysis');
    const { files } = await service.exportRun({ runId, format: 'report' });
    const html = readFileSync(files[0]!.path, 'utf8');
    const section = html.slice(html.indexOf('<h2>Sharpness</h2>'));
    assert.ok(html.includes('<h2>Sharpness</h2>'), 'the report has a Sharpness section');
    const shown = (value: number) => (Math.abs(value) >= 1000 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(2) : value.toFixed(4));
    assert.ok(section.includes(`<td class="num">${shown(newest.result.sharpness.mean)}</td>`), 'the stored sharpness is in the table');
    assert.ok(section.includes(`${newest.result.hessian.iterations} iterations`), 'the eigenvalue says how many iterations it took');
    assert.match(section, /<svg[^>]*aria-label="Loss along a filter-normalised random direction"/);
    assert.ok(!/<script|<link|src="http/.test(html), 'still self-contained');
  });

  test('two runs analysed with the same seed are measured on the same examples along the same random draws', { timeout: 300_000 }, async () => {
    const other = await service.startRun({ config: tinyRunConfig({ model: 'cnn', epochs: 1, optimizer: { name: 'sgd', lr: 0.05 } }) });
    await service.manager.waitForEnd(other.id);
    const [first, second] = await Promise.all([runId, other.id].map((id) => loadTrainedModel(service.store.getRun(id).config, service.store.latestCheckpoint(id)!.path)));
    try {
      const options = { batches: 2, batchSize: 32, seed: 5 };
      const batchesOf = (model: typeof first) => {
        const batches = analysisBatches(model!, model!.dataset.train, options);
        const values = batches.map((batch) => [Array.from(batch.x.dataSync()), Array.from(batch.oneHotLabels.dataSync())]);
        for (const batch of batches) tf.dispose([batch.x, batch.oneHotLabels]);
        return values;
      };
      assert.deepEqual(batchesOf(first), batchesOf(second));
      // per filter, the direction is the same unit Gaussian draw scaled by each run's own filter norm
      const unitFilters = (model: typeof first) => {
        const direction = filterNormalizedDirection(model!.network.parameters, Random.stream(5, 'analysis-direction-1'));
        const kernel = direction[0]!;
        const filters = kernel.shape[kernel.rank - 1]!;
        const unit = tf.tidy(() => {
          const columns = tf.reshape(kernel, [-1, filters]);
          return tf.div(columns, tf.norm(columns, 'euclidean', 0));
        });
        const values = Array.from(unit.dataSync());
        tf.dispose([...direction, unit]);
        return values;
      };
      const [a, b] = [unitFilters(first), unitFilters(second)];
      a.forEach((value, i) => assert.ok(Math.abs(value - b[i]!) < 1e-5, `element ${i}: ${value} vs ${b[i]}`));
      assert.notDeepEqual(first!.network.parameters[0]!.dataSync(), second!.network.parameters[0]!.dataSync(), 'the runs themselves differ');
    } finally {
      first!.dispose();
      second!.dispose();
    }
  });

  test('a stopped run is analysed at its stop checkpoint; a run without a checkpoint is refused', { timeout: 300_000 }, async () => {
    const stopped = await service.startRun({ config: tinyRunConfig({ epochs: 3 }) });
    await until(() => service.store.findRun(stopped.id)!.step > 0, 'the run to take a step');
    await service.stopRun(stopped.id);
    const ended = await service.manager.waitForEnd(stopped.id);
    assert.equal(ended.status, 'stopped');
    const checkpoint = service.store.latestCheckpoint(stopped.id)!;
    const analysis = await service.analyses.waitForEnd((await service.analyzeRun({ runId: stopped.id, ...SMALL })).id);
    assert.equal(analysis.status, 'completed', analysis.message ?? '');
    assert.equal(analysis.result!.step, checkpoint.step);

    // a run that ended before its first checkpoint (written to the store as the manager would)
    const early = service.store.createRun({ name: 'no checkpoint', config: tinyRunConfig() });
    service.store.setStatus(early.id, 'stopped', 'stopped before it started');
    await assert.rejects(service.analyzeRun({ runId: early.id }), (error: unknown) => error instanceof StateError && /no checkpoint/.test((error as Error).message));
    assert.deepEqual(await service.getAnalyses({ runIds: [early.id] }), []);
  });

  test('deleting a run while it is analysed ends the analysis for whoever waits, and leaves no row', { timeout: 300_000 }, async () => {
    const run = await service.startRun({ config: tinyRunConfig({ epochs: 1 }) });
    await service.manager.waitForEnd(run.id);
    const started = await service.analyzeRun({ runId: run.id, ...SMALL });
    const ended = service.analyses.waitForEnd(started.id);
    await service.deleteRun(run.id);
    assert.equal(service.analyses.runningCount, 0, 'its worker was stopped with the run');
    const analysis = await ended;
    assert.equal(analysis.status, 'interrupted');
    assert.equal(analysis.message, 'its run was deleted');
    assert.equal(service.store.analyses.find(started.id), undefined);
    assert.ok((await service.getAnalyses({ runIds: [runId] })).length > 0, 'the other run keeps its analyses');
  });
});
