/**
 * Every zoo model — and a spec using every layer kind and option of the vocabulary, so models added later
 * are covered too — exported, predicts what the studio's network predicts on the same [0, 1] pixels: the
 * TF.js LayersModel read back from its files by tf.loadLayersModel (≤ 1e-5), the ONNX file run by ONNX
 * Runtime (≤ 1e-4). The networks have trained-like batch-norm statistics, γ, β and biases, and the input
 * normalisation is not the identity, so every part of the exported graph matters.
 *
 * The LayersModel is compared on the cpu backend, where TF.js layers compute exactly the studio's float32
 * operations, so any difference is the file's; on the training backend (wasm) tfjs-layers' fused
 * convolution + bias kernels round differently (XNNPACK starts the sum at the bias), which is measured too.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../app/engine/backend.js';
import { readExportableModel } from '../../app/export/exportableModel.js';
import { writeModelExport } from '../../app/export/modelFiles.js';
import { Network, TRAINING_PASS } from '../../app/models/network.js';
import { parseModelSpec, type ModelSpec } from '../../app/models/spec.js';
import { buildModelSpec, MODEL_NAMES, type ModelName } from '../../app/models/zoo.js';
import { Random } from '../../app/engine/random.js';
import { InputNormalizer } from '../../app/training/normalize.js';
import { maxAbsDifference, predictWithLayersModel, predictWithOnnxRuntime } from '../support/exports.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-export-models-');
after(() => folder.remove());

const BATCH = 5;
const CLASS_NAMES = Array.from({ length: 7 }, (_, i) => `class ${i}`);

function inputShapeFor(model: ModelName): number[] {
  // odd and unequal sizes for the small models: 'same' padding and flatten order must both be right;
  // VGG on 7×9 pools to a 1×2 map, so its flatten before the dense layer is not trivial either
  if (model === 'mlp' || model === 'cnn') return [9, 10, 2];
  return model === 'vgg16bn' ? [7, 9, 3] : [8, 8, 3];
}

/** Every layer kind and option: valid/same, strides, biases, inline activations, batch norm on vectors, projections. */
const VOCABULARY_SPEC = parseModelSpec({
  inputShape: [11, 9, 3],
  layers: [
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
    { type: 'batchNorm', epsilon: 1e-3, momentum: 0.8 },
    { type: 'conv2d', filters: 5, kernelSize: 2, padding: 'valid', activation: 'relu', useBias: true },
    {
      type: 'residual',
      body: [{ type: 'conv2d', filters: 8, kernelSize: 3, strides: 2, useBias: false }, { type: 'batchNorm' }, { type: 'tanh' }],
      shortcut: [{ type: 'paddedShortcut', strides: 2, filters: 8 }],
      activation: 'linear',
    },
    {
      type: 'residual',
      body: [{ type: 'conv2d', filters: 8, kernelSize: 1 }, { type: 'relu' }],
      shortcut: [{ type: 'conv2d', filters: 8, kernelSize: 1, useBias: false }, { type: 'batchNorm' }],
      activation: 'tanh',
    },
    { type: 'maxPool2d', poolSize: 2, strides: 1 },
    { type: 'flatten' },
    { type: 'dense', units: 12, activation: 'tanh', useBias: false },
    { type: 'batchNorm' },
    { type: 'relu' },
    { type: 'residual', body: [{ type: 'dense', units: 12 }], activation: 'relu' },
    { type: 'dense', units: CLASS_NAMES.length },
  ],
});

/**
 * A network as training leaves one: γ, β and biases away from their initial 1 and 0 (so swapping them would
 * show), and batch-norm moving statistics measured on data (so inference-mode batch norm is exercised and
 * the logits keep a trained network's scale, even 110 layers deep).
 */
function trainedLikeNetwork(spec: ModelSpec, normalizer: InputNormalizer, random: Random): Network {
  const network = new Network(spec, { seed: 3 });
  network.parameters.forEach((parameter, i) => {
    const name = network.declarations[i]!.name;
    const shift = name.endsWith('/gamma') ? 1 : name.endsWith('/beta') || name.endsWith('/bias') ? 0 : undefined;
    if (shift === undefined) return;
    tf.tidy(() => parameter.assign(tf.tensor(Array.from({ length: parameter.size }, () => shift + random.nextFloat() - 0.5), parameter.shape)));
  });
  const shape = spec.inputShape;
  const calibration = Float32Array.from({ length: 16 * shape.reduce((a, b) => a * b, 1) }, () => random.nextFloat());
  for (let pass = 0; pass < 40; pass++) {
    tf.tidy(() => {
      network.forward(network.parameters, normalizer.apply(tf.tensor(calibration, [16, ...shape])), TRAINING_PASS);
    });
  }
  return network;
}

interface Measured {
  label: string;
  /** tf.loadLayersModel vs the studio network, both on the cpu backend. */
  layersDifference: number;
  /** The same on the training backend (wasm), where tfjs-layers fuses convolution and bias. */
  layersTrainingBackendDifference: number;
  onnxDifference: number;
  line: string;
}

/** Runs `work` with the pure-JavaScript cpu backend, then returns to the training backend. */
async function onCpuBackend<T>(work: () => Promise<T>): Promise<T> {
  const training = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return await work();
  } finally {
    await tf.setBackend(training);
  }
}

async function exportAndCompare(label: string, spec: ModelSpec, random: Random): Promise<Measured> {
  const shape = spec.inputShape;
  const channels = shape[2]!;
  const normalizer = new InputNormalizer(
    Array.from({ length: channels }, (_, c) => 0.3 + 0.1 * c),
    Array.from({ length: channels }, (_, c) => 0.2 + 0.05 * c),
  );
  const network = trainedLikeNetwork(spec, normalizer, random);
  try {
    const pixels = Float32Array.from({ length: BATCH * shape.reduce((a, b) => a * b, 1) }, () => random.nextFloat());
    const expected = tf.tidy(() => network.predict(normalizer.apply(tf.tensor(pixels, [BATCH, ...shape]))).dataSync());
    const model = await readExportableModel(network, normalizer, CLASS_NAMES, `test ${label}`);

    const tfjsFolder = join(folder.path, `${label}-tfjs`);
    const tfjsFiles = writeModelExport(model, 'tfjs', tfjsFolder, 'test');
    assert.deepEqual(tfjsFiles.map((f) => f.name), ['model.json', 'weights.bin']);
    const layersLogits = await predictWithLayersModel(tfjsFolder, pixels, [BATCH, ...shape]);
    const [expectedOnCpu, layersOnCpu] = await onCpuBackend(async () => [
      tf.tidy(() => network.predict(normalizer.apply(tf.tensor(pixels, [BATCH, ...shape]))).dataSync()),
      await predictWithLayersModel(tfjsFolder, pixels, [BATCH, ...shape]),
    ]);

    const onnxPath = join(folder.path, `${label}.onnx`);
    const [onnxFile] = writeModelExport(model, 'onnx', onnxPath, 'test');
    const { logits: onnxLogits, dims } = await predictWithOnnxRuntime(onnxPath, pixels, [BATCH, ...shape]);
    assert.deepEqual(dims, [BATCH, CLASS_NAMES.length]);

    // the logits differ between inputs: a broken export could not pass by predicting constants
    assert.ok(maxAbsDifference(expected.slice(0, CLASS_NAMES.length), expected.slice(CLASS_NAMES.length, 2 * CLASS_NAMES.length)) > 1e-3, `${label}: inputs give distinct logits`);
    const layersDifference = maxAbsDifference(layersOnCpu!, expectedOnCpu!);
    const layersTrainingBackendDifference = maxAbsDifference(layersLogits, expected);
    const onnxDifference = maxAbsDifference(onnxLogits, expected);
    const scale = Math.max(...Array.from(expected, Math.abs));
    const line =
      `${label}: |logits| ≤ ${scale.toFixed(3)}; tf.loadLayersModel max |Δ| ${layersDifference.toExponential(2)} (cpu), ${layersTrainingBackendDifference.toExponential(2)} (${tf.getBackend()}); ` +
      `ONNX Runtime max |Δ| ${onnxDifference.toExponential(2)}; weights.bin ${tfjsFiles[1]!.bytes} B, model.json ${tfjsFiles[0]!.bytes} B, .onnx ${onnxFile!.bytes} B`;
    return { label, layersDifference, layersTrainingBackendDifference, onnxDifference, line };
  } finally {
    network.dispose();
    normalizer.dispose();
  }
}

function assertWithinLimits(results: readonly Measured[]): void {
  console.log(results.map((r) => r.line).join('\n'));
  for (const { label, layersDifference, layersTrainingBackendDifference, onnxDifference } of results) {
    assert.ok(layersDifference <= 1e-5, `${label}: tf.loadLayersModel differs by ${layersDifference}`);
    // fused kernels: float32 rounding only, so within the ONNX tolerance
    assert.ok(layersTrainingBackendDifference <= 1e-4, `${label}: tf.loadLayersModel on ${tf.getBackend()} differs by ${layersTrainingBackendDifference}`);
    assert.ok(onnxDifference <= 1e-4, `${label}: ONNX Runtime differs by ${onnxDifference}`);
  }
}

test("every zoo model exports to TF.js layers and ONNX with the studio network's predictions", async () => {
  await initBackend();
  const random = Random.stream(11, 'export-test');
  const results: Measured[] = [];
  for (const modelName of MODEL_NAMES) results.push(await exportAndCompare(modelName, buildModelSpec(modelName, inputShapeFor(modelName), CLASS_NAMES.length), random));
  assertWithinLimits(results);
});

test('every layer kind and option of the spec vocabulary exports exactly', async () => {
  await initBackend();
  assertWithinLimits([await exportAndCompare('vocabulary', VOCABULARY_SPEC, Random.stream(12, 'export-vocabulary'))]);
});
