/**
 * The new-study form's draft: a preset's study comes back out of the form as it went in; what the form can
 * see by itself (a bad value list, a swept setting an arm also sets, a twice-used label, bad JSON) is placed
 * at its field; the service's refusals are placed where their message says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewStudy } from '../../app/api/types.js';
import { armDraftLabel, buildStudy, draftFromStudy, parseArmFields, parseValues, studyProblemFromMessage } from '../../renderer/src/lib/studyForm.js';

const STUDY: NewStudy = {
  name: 'decomposition',
  preset: 'paper-decomposition',
  config: { data: { name: 'shapes10', trainCount: 256 }, model: 'mlp', epochs: 2, batchSize: 32, optimizer: { name: 'sam', lr: 0.05 } } as NewStudy['config'],
  arms: [
    { label: 'SAM', optimizer: { name: 'sam' } },
    { label: 'SAM (full-gradient part)', optimizer: { name: 'sam', perturbation: 'fullGradientEma' } },
    { label: 'F-SAM σ=1', optimizer: { name: 'fsam', sigma: 1 } },
  ],
  axis: { parameter: 'rho', values: [0.02, 0.05] },
  seeds: [1, 2, 3],
  baseline: 'SAM',
};

test('a study put into the form builds back into the same study, with arms × values × seeds runs', () => {
  const draft = draftFromStudy(STUDY);
  assert.equal(draft.arms[1]!.fields, 'perturbation=fullGradientEma');
  assert.equal(draft.values, '0.02, 0.05');
  const built = buildStudy(draft);
  assert.deepEqual(built.errors, {});
  assert.deepEqual(built.study, STUDY);
  assert.equal(built.runCount, 3 * 2 * 3);
  assert.equal(built.valueCount, 2);
  assert.equal(built.seedCount, 3);
});

test('without a swept setting the values are ignored and each arm is one cell', () => {
  const built = buildStudy({ ...draftFromStudy(STUDY), parameter: '', values: 'not numbers' });
  assert.deepEqual(built.errors, {});
  assert.equal(built.study!.axis, undefined);
  assert.equal(built.runCount, 3 * 1 * 3);
});

test('arm fields: numbers, flags and words; anything else is refused with a reason', () => {
  assert.deepEqual(parseArmFields('sigma=1, perturbation=fullGradientExact adaptive=true fullGradientEvery=50'), {
    fields: { sigma: 1, perturbation: 'fullGradientExact', adaptive: true, fullGradientEvery: 50 },
    error: null,
  });
  assert.match(parseArmFields('sigma 1').error ?? '', /name=value/);
  assert.match(parseArmFields('name=sam').error ?? '', /own column/);
  assert.match(parseArmFields('rho=0.1, rho=0.2').error ?? '', /twice/);
  assert.equal(armDraftLabel({ label: '', optimizer: 'fsam', fields: 'lambda=0.9' }), 'fsam lambda=0.9');
});

test('values: numbers, once each', () => {
  assert.deepEqual(parseValues('0.02, 0.05;0.1  0.2'), { values: [0.02, 0.05, 0.1, 0.2], error: null });
  assert.match(parseValues('').error ?? '', /give the values/);
  assert.match(parseValues('0.1, x').error ?? '', /"x" is not a number/);
  assert.match(parseValues('0.1, 0.1').error ?? '', /once/);
});

test('problems the form sees are placed at their fields and leave no study to start', () => {
  const draft = draftFromStudy(STUDY);
  draft.arms[2]!.fields = 'rho=0.1';
  draft.arms[1]!.label = 'SAM';
  draft.config = '{ "epochs": 2, }';
  draft.seeds = '1, 1';
  draft.baseline = 'nobody';
  const built = buildStudy(draft);
  assert.equal(built.study, null);
  assert.match(built.errors['arms.2.fields']!, /sweeps rho/);
  assert.match(built.errors['arms.1.label']!, /already called "SAM"/);
  assert.match(built.errors['config']!, /not valid JSON/);
  assert.match(built.errors['seeds']!, /once/);
  assert.match(built.errors['baseline']!, /pick the arm/);
  assert.match(buildStudy({ ...draftFromStudy(STUDY), config: '[1]' }).errors['config']!, /JSON object/);
});

test("the service's refusals go to the field their message names", () => {
  const { arms } = buildStudy(draftFromStudy(STUDY));
  assert.deepEqual(studyProblemFromMessage('Invalid run configuration — arms[0] (SAM).config.epochs: Too small: expected number to be >0', arms), { key: 'config', message: 'epochs: Too small: expected number to be >0' });
  assert.deepEqual(studyProblemFromMessage('Invalid run configuration — arms[2] (F-SAM σ=1).config.optimizer.sigma: Too small', arms), { key: 'arms.2.fields', message: 'sigma: Too small' });
  // a field of the shared optimizer that the arm does not set is the base config's
  assert.deepEqual(studyProblemFromMessage('Invalid run configuration — arms[2] (F-SAM σ=1).config.optimizer.lr: Too small', arms), { key: 'config', message: 'optimizer.lr: Too small' });
  assert.deepEqual(studyProblemFromMessage('request.arms[1].optimizer.rho: the study sweeps rho; an arm cannot set it too', arms), { key: 'arms.1.fields', message: 'rho: the study sweeps rho; an arm cannot set it too' });
  assert.deepEqual(studyProblemFromMessage('request.axis.values: each value once', arms), { key: 'values', message: 'each value once' });
  assert.deepEqual(studyProblemFromMessage('request.seeds: a study holds at most 200 runs (arms × values × seeds)', arms), { key: 'seeds', message: 'a study holds at most 200 runs (arms × values × seeds)' });
  assert.deepEqual(studyProblemFromMessage('request.baseline: "x" is not one of the arms (SAM)', arms).key, 'baseline');
  assert.deepEqual(studyProblemFromMessage('the store is closed', arms), { key: 'form', message: 'the store is closed' });
});
