import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendName } from '../../app/engine/backend.js';

test('initBackend picks a working backend and reports it', async () => {
  const info = await initBackend();
  assert.equal(tf.getBackend(), info.name);
  assert.ok(info.device.length > 0);
  const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
  assert.deepEqual(Array.from(sum), [4, 6]);
});

test('parseBackendName rejects unknown names with the allowed list', () => {
  assert.throws(() => parseBackendName('cuda'), /tensorflow, webgpu, wasm, cpu/);
  assert.equal(parseBackendName('wasm'), 'wasm');
});
