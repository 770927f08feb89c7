/** A run's network rebuilt from its checkpoint predicts exactly what the trainer's own network did. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { batchToFloat, loadDataset } from '../../app/data/index.js';
import { initBackend } from '../../app/engine/backend.js';
import { writeCheckpoint, type TrainerCheckpoint } from '../../app/training/checkpoint.js';
import { loadTrainedModel } from '../../app/training/trainedModel.js';
import { Trainer } from '../../app/training/trainer.js';
import { temporaryFolder, tinyRunConfig } from '../support/runs.js';

const folder = temporaryFolder('fsam-trained-');
after(() => folder.remove());

test("the last checkpoint's network, rebuilt, gives the trained network's logits", async () => {
  await initBackend();
  const config = tinyRunConfig({ model: 'cnn', epochs: 1 });
  const dataset = await loadDataset(config.data);
  const trainer = new Trainer(config, dataset);
  let last: TrainerCheckpoint | undefined;
  for await (const event of trainer.run()) if (event.type === 'checkpoint') last = event.checkpoint;
  assert.ok(last, 'the run left a checkpoint');
  const path = join(folder.path, 'last.ckpt');
  writeCheckpoint(path, last);

  const indices = Int32Array.from({ length: 16 }, (_, i) => i);
  const pixels = batchToFloat(dataset.test, indices);
  const logitsOf = (predict: (x: tf.Tensor) => tf.Tensor, normalize: (x: tf.Tensor) => tf.Tensor) =>
    tf.tidy(() => predict(normalize(tf.tensor(pixels, [16, ...dataset.imageShape]))).dataSync());
  const trained = logitsOf((x) => trainer.network.predict(x), (x) => trainer.normalizer.apply(x));

  const model = await loadTrainedModel(config, path);
  try {
    assert.equal(model.step, last.progress.step);
    assert.deepEqual(model.dataset.classNames, dataset.classNames);
    const rebuilt = logitsOf((x) => model.network.predict(x), (x) => model.normalizer.apply(x));
    assert.deepEqual(Array.from(rebuilt), Array.from(trained));
    // a checkpoint of another model is refused with a message, not loaded into the wrong network
    const wrong = await loadTrainedModel({ ...config, model: 'mlp' }, path).catch((error: Error) => error);
    assert.ok(wrong instanceof Error && /does not fit the run's model \(mlp\)/.test(wrong.message), String(wrong));
  } finally {
    model.dispose();
    trainer.dispose();
  }
});
