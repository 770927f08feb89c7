/** Reading exported models back the way a user would: tf.loadLayersModel from the files, ONNX Runtime. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';

/** An IOHandler reading model.json and the weight files it names from a folder (file:// needs tfjs-node). */
export function folderHandler(directory: string): tf.io.IOHandler {
  return {
    async load() {
      const modelJson = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const manifest = modelJson.weightsManifest;
      const weightData = Buffer.concat(manifest.flatMap((group) => group.paths.map((path) => readFileSync(join(directory, path)))));
      return {
        modelTopology: modelJson.modelTopology,
        weightSpecs: manifest.flatMap((group) => group.weights),
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
        userDefinedMetadata: modelJson.userDefinedMetadata,
      };
    },
  };
}

export async function predictWithLayersModel(directory: string, pixels: Float32Array, shape: number[]): Promise<Float32Array> {
  const model = await tf.loadLayersModel(folderHandler(directory));
  try {
    return tf.tidy(() => (model.predict(tf.tensor(pixels, shape)) as tf.Tensor).dataSync() as Float32Array);
  } finally {
    model.dispose();
  }
}

export async function predictWithOnnxRuntime(path: string, pixels: Float32Array, shape: number[]): Promise<{ logits: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(readFileSync(path));
  try {
    const outputs = await session.run({ pixels: new ort.Tensor('float32', pixels, shape) });
    return { logits: outputs.logits!.data as Float32Array, dims: outputs.logits!.dims };
  } finally {
    await session.release();
  }
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
  return largest;
}
