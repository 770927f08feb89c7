import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLabelNoise, asymmetricTargets, labelNoiseSchema } from '../../app/data/labelNoise.js';

const CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** 100 examples of each of 10 classes, in class order. */
function balancedLabels(perClass = 100, classes = 10): Uint8Array {
  return Uint8Array.from({ length: perClass * classes }, (_, i) => Math.floor(i / perClass));
}

test('symmetric noise resamples exactly the configured share, over all classes, seeded', () => {
  const clean = balancedLabels();
  const before = new Uint8Array(clean);
  const noisy = applyLabelNoise(clean, CIFAR10, labelNoiseSchema.parse({ kind: 'symmetric', fraction: 0.4 }), 7);
  assert.deepEqual(clean, before, 'the clean labels are left untouched');
  const changed = noisy.labels.reduce((n, label, i) => n + (label !== clean[i] ? 1 : 0), 0);
  assert.equal(noisy.flipped, changed);
  assert.equal(noisy.flippedPerClass.reduce((a, b) => a + b, 0), changed);
  // 400 resampled over all 10 classes: about 1 in 10 keeps its true label, so about 360 differ
  assert.ok(changed > 320 && changed < 400, `${changed} labels differ`);
  assert.ok(noisy.labels.every((label) => label < 10));
  assert.deepEqual(applyLabelNoise(clean, CIFAR10, { kind: 'symmetric', fraction: 0.4 }, 7).labels, noisy.labels, 'same seed, same noise');
  assert.notDeepEqual(applyLabelNoise(clean, CIFAR10, { kind: 'symmetric', fraction: 0.4 }, 8).labels, noisy.labels, 'another seed, other noise');
});

test('asymmetric noise on CIFAR-10 moves the share of each source class to its confusable class only', () => {
  const clean = balancedLabels();
  const noisy = applyLabelNoise(clean, CIFAR10, { kind: 'asymmetric', fraction: 0.3 }, 1);
  const moved = new Map<string, number>();
  noisy.labels.forEach((label, i) => {
    if (label !== clean[i]) moved.set(`${CIFAR10[clean[i]!]}→${CIFAR10[label]}`, (moved.get(`${CIFAR10[clean[i]!]}→${CIFAR10[label]}`) ?? 0) + 1);
  });
  assert.deepEqual(Object.fromEntries([...moved].sort()), {
    'bird→airplane': 30,
    'cat→dog': 30,
    'deer→horse': 30,
    'dog→cat': 30,
    'truck→automobile': 30,
  });
  assert.deepEqual(noisy.flippedPerClass, [0, 0, 30, 30, 30, 30, 0, 0, 0, 30]);
  assert.match(noisy.rule, /truck → automobile/);
});

test('asymmetric noise on another data set is the pair flip i → i + 1 mod K', () => {
  const names = ['a', 'b', 'c', 'd'];
  assert.deepEqual(asymmetricTargets(names).targets, [1, 2, 3, 0]);
  const clean = balancedLabels(50, 4);
  const noisy = applyLabelNoise(clean, names, { kind: 'asymmetric', fraction: 0.2 }, 3);
  assert.deepEqual(noisy.flippedPerClass, [10, 10, 10, 10]);
  noisy.labels.forEach((label, i) => assert.ok(label === clean[i] || label === (clean[i]! + 1) % 4));
});

test('no noise, or fraction 0, leaves every label; a bad fraction is refused naming the field', () => {
  const clean = balancedLabels();
  assert.deepEqual(applyLabelNoise(clean, CIFAR10, { kind: 'none', fraction: 0.5 }, 1).labels, clean);
  assert.equal(applyLabelNoise(clean, CIFAR10, { kind: 'symmetric', fraction: 0 }, 1).flipped, 0);
  const result = labelNoiseSchema.safeParse({ kind: 'symmetric', fraction: 40 });
  assert.equal(result.success, false);
  assert.match(result.error!.issues[0]!.message, /fraction must be at most 1/);
  assert.equal(labelNoiseSchema.safeParse({ kind: 'gaussian', fraction: 0.1 }).success, false);
});
