import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunConfig } from '../../app/cli/runOptions.js';

test('--label-noise and --augment become the run config\'s labelNoise and augmentation', () => {
  const config = buildRunConfig({ 'label-noise': 'symmetric:0.4', augment: 'crop,flip,cutout', model: 'resnet18' }, 'fsam');
  assert.deepEqual(config.labelNoise, { kind: 'symmetric', fraction: 0.4 });
  assert.deepEqual(config.augmentation, { crop: true, cropPadding: 4, flip: true, cutout: true, cutoutSize: 16 });
  assert.equal(config.model, 'resnet18');
  assert.deepEqual(buildRunConfig({ augment: 'flip' }, 'sgd').augmentation, { crop: false, cropPadding: 4, flip: true, cutout: false, cutoutSize: 16 });
  assert.deepEqual(buildRunConfig({ 'label-noise': 'none' }, 'sgd').labelNoise, { kind: 'none', fraction: 0 });
  const plain = buildRunConfig({}, 'sgd');
  assert.equal(plain.labelNoise, undefined, 'without the flags a config has neither field, as before');
  assert.equal(plain.augmentation, undefined);
  assert.equal(buildRunConfig({ model: 'wrn28-10' }, 'sam').model, 'wrn28-10');
});

test('bad --label-noise, --augment and --model values are named with what is allowed', () => {
  assert.throws(() => buildRunConfig({ 'label-noise': 'gaussian:0.1' }, 'sgd'), /--label-noise "gaussian:0\.1": the kind must be one of none, symmetric, asymmetric/);
  assert.throws(() => buildRunConfig({ 'label-noise': 'symmetric' }, 'sgd'), /give the fraction after a colon, as in symmetric:0\.4/);
  assert.throws(() => buildRunConfig({ 'label-noise': 'symmetric:40' }, 'sgd'), /labelNoise\.fraction: fraction must be at most 1/);
  assert.throws(() => buildRunConfig({ augment: 'crop,rotate' }, 'sgd'), /--augment: "rotate" is not an augmentation/);
  assert.throws(() => buildRunConfig({ model: 'wrn27-10' }, 'sgd'), /model: must be one of .*"resnet18".*depth 6n \+ 4/);
});
