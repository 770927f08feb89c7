/**
 * The quick preset end to end, as a user runs it: a three-optimizer compare on the built-in data through
 * the real CLI. SAM and F-SAM must learn (test accuracy well above the 10% of chance). The time it takes is
 * printed, not asserted: these machines are shared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('compare --preset quick: sgd, sam and fsam all learn the built-in data', async (t) => {
  const started = performance.now();
  const result = await runCli(['compare', '--preset', 'quick', '--json']);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { backend: string; runs: { optimizer: string; finalTestAccuracy: number; status: string; stepsPerSecond: number }[] };
  const summary = report.runs.map((r) => `${r.optimizer} ${(100 * r.finalTestAccuracy).toFixed(1)}% (${r.stepsPerSecond.toFixed(2)} steps/s)`).join(', ');
  t.diagnostic(`quick compare on ${report.backend}: ${seconds.toFixed(0)} s — ${summary}`);
  assert.deepEqual(report.runs.map((r) => r.optimizer), ['sgd', 'sam', 'fsam']);
  for (const run of report.runs) {
    assert.equal(run.status, 'completed');
    assert.ok(run.finalTestAccuracy > 0.4, `${run.optimizer} reached ${run.finalTestAccuracy} test accuracy; chance is 0.1`);
  }
});
