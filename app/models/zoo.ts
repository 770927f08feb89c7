/**
 * The model zoo: named networks written in the declarative spec, for any input shape and class count.
 */
import { z } from 'zod';
import type { LayerSpecInput, ModelSpec } from './spec.js';
import { parseModelSpec } from './spec.js';

export const MODEL_NAMES = ['mlp', 'cnn', 'resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const modelNameSchema = z.enum(MODEL_NAMES);

export const MODEL_DESCRIPTIONS: Record<ModelName, string> = {
  mlp: 'Multi-layer perceptron: flatten, dense 256 ReLU, dense 128 ReLU, dense classes',
  cnn: 'Small CNN: conv32-BN-ReLU-pool, conv64-BN-ReLU-pool, dense 128 ReLU, dense classes',
  resnet20: 'CIFAR ResNet-20 (He et al. 2016): 3 stages of 3 basic blocks, 16/32/64 channels, option-A shortcuts',
  resnet32: 'CIFAR ResNet-32: 3 stages of 5 basic blocks',
  resnet44: 'CIFAR ResNet-44: 3 stages of 7 basic blocks',
  resnet56: 'CIFAR ResNet-56: 3 stages of 9 basic blocks',
  resnet110: 'CIFAR ResNet-110: 3 stages of 18 basic blocks',
};

function mlp(classes: number): LayerSpecInput[] {
  return [
    { type: 'flatten' },
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: classes },
  ];
}

function convBatchNorm(filters: number, strides = 1): LayerSpecInput[] {
  return [
    { type: 'conv2d', filters, kernelSize: 3, strides, padding: 'same', useBias: false },
    { type: 'batchNorm', epsilon: 1e-5, momentum: 0.9 },
  ];
}

function smallCnn(classes: number): LayerSpecInput[] {
  return [
    ...convBatchNorm(32),
    { type: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    ...convBatchNorm(64),
    { type: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: classes },
  ];
}

/** He et al.'s CIFAR ResNet, depth 6n + 2: conv16, three stages of n basic blocks (16, 32, 64 channels). */
export function cifarResNet(depth: number, classes: number): LayerSpecInput[] {
  if ((depth - 2) % 6 !== 0 || depth < 8) throw new Error(`ResNet depth must be 6n + 2 (8, 14, 20, 32, ...), got ${depth}`);
  const blocksPerStage = (depth - 2) / 6;
  const layers: LayerSpecInput[] = [...convBatchNorm(16), { type: 'relu' }];
  let channels = 16;
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let block = 0; block < blocksPerStage; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const needsProjection = strides !== 1 || channels !== filters;
      layers.push({
        type: 'residual',
        body: [...convBatchNorm(filters, strides), { type: 'relu' }, ...convBatchNorm(filters)],
        shortcut: needsProjection ? [{ type: 'paddedShortcut', strides, filters }] : [],
        activation: 'relu',
      });
      channels = filters;
    }
  }
  layers.push({ type: 'globalAvgPool' }, { type: 'dense', units: classes });
  return layers;
}

export function buildModelSpec(name: ModelName, inputShape: number[], classes: number): ModelSpec {
  let layers: LayerSpecInput[];
  if (name === 'mlp') layers = mlp(classes);
  else if (name === 'cnn') layers = smallCnn(classes);
  else layers = cifarResNet(Number(name.slice('resnet'.length)), classes);
  return parseModelSpec({ inputShape, layers });
}
