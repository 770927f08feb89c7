/**
 * What the New screen and Settings say, in a practitioner's words (issue 13): the service's validator texts
 * ("Too small: expected number to be >0") become "Learning rate must be greater than 0" at their field, in
 * the list above the Start button and in an arm's row; a skipped backend gets a one-line reason (its full
 * error stays behind a disclosure); a queued run's training time reads "not started".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StudioService } from '../../app/api/service.js';
import type { ComparisonArmInput, ConfigCheck } from '../../app/api/types.js';
import { backendSkipReason } from '../../renderer/src/lib/backends.js';
import { buildConfig, labelFor, placeProblems, valuesFromConfig } from '../../renderer/src/lib/configFields.js';
import { practitionerMessage } from '../../renderer/src/lib/errors.js';
import { sortProblems, startErrorText, withOptimizer } from '../../renderer/src/lib/formCheck.js';
import { formatTrainingTime } from '../../renderer/src/lib/format.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-form-texts-');
let service: StudioService;
before(() => {
  service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
});
after(async () => {
  await service.close();
  folder.remove();
});

/** What the service's checkConfig answers for `config`: the problems the form shows. */
async function problemsOf(config: Record<string, unknown>) {
  const check = await service.checkConfig(config);
  assert.equal(check.ok, false, 'the config is refused');
  return (check as Extract<ConfigCheck, { ok: false }>).problems;
}

const VISIBLE = ['optimizer.lr', 'optimizer.lambda', 'optimizer.rho', 'epochs', 'batchSize', 'model', 'schedule.milestones', 'data.name'];

describe("the service's validator texts, as the form shows them", () => {
  test('at their fields: "Learning rate must be greater than 0", "λ (lambda) must be less than 1", never the validator’s wording', async () => {
    const problems = await problemsOf({ optimizer: { name: 'fsam', lr: -1, lambda: 1.5, rho: 0 }, epochs: 0, model: 'transformer' });
    const placed = placeProblems(problems, VISIBLE);
    assert.deepEqual(placed.unplaced, []);
    assert.equal(placed.byField['optimizer.lr'], 'Learning rate must be greater than 0');
    assert.equal(placed.byField['optimizer.lambda'], 'λ (lambda) must be less than 1');
    assert.equal(placed.byField['optimizer.rho'], 'ρ (rho) must be greater than 0');
    assert.equal(placed.byField['epochs'], 'Epochs must be at least 1');
    assert.match(placed.byField['model']!, /^Model must be one of "mlp", "cnn", /, 'the service’s own text, after the label');
    for (const message of Object.values(placed.byField)) assert.doesNotMatch(message, /Too small|Too big|expected|Invalid/, message);
  });

  test('away from a field (hidden, or an arm’s shared setting) the label names it', async () => {
    const problems = await problemsOf({ optimizer: { name: 'sam', lr: 0.1 }, batchSize: 2.5 });
    const placed = placeProblems(problems, ['optimizer.lr']);
    assert.deepEqual(placed.unplaced, ['Batch size must be a whole number']);
    const custom = placeProblems([{ field: 'data.path', message: 'no such folder: /nope' }], []);
    assert.deepEqual(custom.unplaced, ['Path: no such folder: /nope'], 'a text already written for people is kept, after its field’s label');
    assert.deepEqual(placeProblems([{ field: 'data.path', message: 'no such folder: /nope' }], ['data.path']).byField, { 'data.path': 'no such folder: /nope' });
  });

  test('in an arm’s row, and when starting is refused', async () => {
    const base = { optimizer: { name: 'sam', lr: 0.1 } };
    const arms: ComparisonArmInput[] = [{ label: 'sam', optimizer: { name: 'sam' } }, { label: 'hot', optimizer: { name: 'fsam', rho: -0.5 } }];
    const checks = await Promise.all(arms.map((arm) => service.checkConfig(withOptimizer(base, arm.optimizer as Record<string, unknown>))));
    const sorted = sortProblems({ ok: true, config: {} as never }, checks, arms, VISIBLE);
    assert.deepEqual(sorted.arms, { 'arms.1.optimizer.rho': 'ρ (rho) must be greater than 0' });
    assert.equal(
      startErrorText('Invalid run configuration — config.optimizer.lr: Too small: expected number to be >0'),
      'Invalid run configuration — Learning rate must be greater than 0',
    );
    assert.equal(startErrorText('The store is busy'), 'The store is busy', 'a message naming no field is kept');
  });

  test('the form’s own checks name the field too', () => {
    const values = valuesFromConfig({ optimizer: { name: 'sam', lr: 'fast' }, schedule: { kind: 'multistep', milestones: '30, x' } });
    const { localErrors } = buildConfig(values, 'run');
    assert.equal(localErrors['optimizer.lr'], 'Learning rate must be a number');
    assert.equal(localErrors['schedule.milestones'], 'Milestones must be whole numbers separated by commas, e.g. 30, 60');
  });

  test('each of zod’s texts has its wording', () => {
    const cases: [string, string][] = [
      ['Too small: expected number to be >=0', 'Momentum must be at least 0'],
      ['Too big: expected number to be <=1000000', 'Momentum must be at most 1,000,000'],
      ['Too big: expected number to be <1', 'Momentum must be less than 1'],
      ['Invalid input: expected int, received number', 'Momentum must be a whole number'],
      ['Invalid input: expected number, received string', 'Momentum must be a number'],
      ['Invalid input: expected number, received Infinity', 'Momentum must be a finite number'],
      ['Invalid input: expected boolean, received number', 'Momentum must be on or off'],
      ['Invalid option: expected one of "sgd"|"adamw"', 'Momentum must be one of sgd, adamw'],
      ['Too small: expected array to have >=1 items', 'Momentum needs at least 1 entry'],
      ['Too small: expected string to have >=1 characters', 'Momentum must not be empty'],
      ['Unrecognized key: "rh0"', 'Momentum has a setting the studio does not know: "rh0"'],
      ['Invalid number: must be a multiple of 2', 'Momentum must be a multiple of 2'],
      ['Too small: expected number to be >0.00000001', 'Momentum must be greater than 1e-8'],
    ];
    for (const [zod, words] of cases) assert.equal(practitionerMessage('Momentum', zod), words, zod);
    // a field of whole numbers: above 0 is at least 1
    assert.equal(practitionerMessage('Epochs', 'Too small: expected number to be >0', { integer: true }), 'Epochs must be at least 1');
    assert.equal(practitionerMessage('Epochs', 'Too big: expected number to be <10', { integer: true }), 'Epochs must be at most 9');
    assert.equal(practitionerMessage('Epochs', 'Too big: expected number to be <=256', { integer: true }), 'Epochs must be at most 256');
    assert.equal(labelFor('schedule.milestones.1'), 'Milestones', 'an item of a list is named by its list');
    assert.equal(labelFor('arms'), 'arms', 'a path the form has no field for stays a path');
  });
});

describe('Settings: a skipped backend in one line', () => {
  test('the module loader’s errors get a reason a practitioner reads; an unknown one its first line, shortened', () => {
    assert.equal(
      backendSkipReason("Cannot find package '@tensorflow/tfjs-node-gpu' imported from /work/main/build/app/engine/backend.js"),
      'not installed (the optional package @tensorflow/tfjs-node-gpu is absent)',
    );
    assert.equal(backendSkipReason('libcudart.so.11.0: cannot open shared object file: No such file or directory'), 'no usable CUDA installation (libcudart.so.11.0 could not be loaded)');
    assert.equal(
      backendSkipReason('/opt/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/libtensorflow.so.2: cannot open shared object file: No such file or directory'),
      'a native library could not be loaded (libtensorflow.so.2)',
    );
    assert.equal(
      backendSkipReason("The module '/x/tfjs_binding.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 127."),
      'installed for another Node.js or Electron version: reinstall it',
    );
    assert.equal(backendSkipReason("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found"), 'needs a newer system C library (glibc) than this machine has');
    assert.equal(backendSkipReason('TF.js could not initialise the wasm backend'), 'TF.js could not start the wasm backend on this machine');
    const long = `something odd happened ${'x'.repeat(200)}\nat line 2`;
    const reason = backendSkipReason(long);
    assert.equal(reason.length, 100);
    assert.ok(reason.endsWith('…') && !reason.includes('line 2'));
    assert.equal(backendSkipReason(''), 'it could not be loaded');
  });
});

describe('a run’s training time', () => {
  test('a queued run has not started; a started one without a step has none yet; then its time', () => {
    assert.equal(formatTrainingTime({ startedAt: null, step: 0, trainingMs: 0 }), 'not started');
    assert.equal(formatTrainingTime({ startedAt: 1, step: 0, trainingMs: 0 }), 'no step yet');
    assert.equal(formatTrainingTime({ startedAt: 1, step: 12, trainingMs: 12_300 }), '12.3 s');
    assert.equal(formatTrainingTime({ startedAt: 1, step: 3, trainingMs: 0 }), '0 ms', 'steps too quick to time still took a time');
  });
});
