/**
 * The quick preset end to end, as a user runs it: a three-optimizer compare on the built-in data through
 * the real CLI. SAM and F-SAM must learn (test accuracy well above the 10% of chance). How long it takes is
 * not a test (these machines are shared): `fsam-studio bench --quick-preset` measures and prints it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('compare --preset quick: sgd, sam and fsam all learn the built-in data', async () => {
  const result = await runCli(['compare', '--preset', 'quick', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { backend: string; runs: { optimizer: string; finalTestAccuracy: number; status: string }[] };
  assert.deepEqual(report.runs.map((r) => r.optimizer), ['sgd', 'sam', 'fsam']);
  for (const run of report.runs) {
    assert.equal(run.status, 'completed');
    assert.ok(run.finalTestAccuracy > 0.4, `${run.optimizer} reached ${run.finalTestAccuracy} test accuracy; chance is 0.1`);
  }
});
