/**
 * The model zoo: named networks written in the declarative spec, for any input shape and class count.
 */
import { z } from 'zod';
import type { LayerSpecInput, ModelSpec } from './spec.js';
import { parseModelSpec } from './spec.js';

/** The models offered by name in lists; any `wrn<depth>-<width>` with depth = 6n + 4 is accepted too. */
export const MODEL_NAMES = ['mlp', 'cnn', 'resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110', 'resnet18', 'wrn16-4', 'wrn16-8', 'wrn28-10', 'vgg16bn'] as const;
export type ListedModelName = (typeof MODEL_NAMES)[number];
export type ModelName = ListedModelName | `wrn${number}-${number}`;

const WIDE_RESNET_PATTERN = /^wrn(\d+)-(\d+)$/;

export const modelNameSchema = z.custom<ModelName>(
  (value) => {
    if (typeof value !== 'string') return false;
    if ((MODEL_NAMES as readonly string[]).includes(value)) return true;
    const wide = WIDE_RESNET_PATTERN.exec(value);
    return wide !== null && (Number(wide[1]) - 4) % 6 === 0 && Number(wide[1]) >= 10 && Number(wide[2]) >= 1 && Number(wide[2]) <= 16;
  },
  { error: `must be one of ${MODEL_NAMES.map((name) => `"${name}"`).join(', ')}, or "wrn<depth>-<width>" with depth 6n + 4 (10, 16, 22, 28, 40, …) and width 1 to 16` },
);

export const MODEL_DESCRIPTIONS: Record<ListedModelName, string> = {
  mlp: 'Multi-layer perceptron: flatten, dense 256 ReLU, dense 128 ReLU, dense classes',
  cnn: 'Small CNN: conv32-BN-ReLU-pool, conv64-BN-ReLU-pool, dense 128 ReLU, dense classes',
  resnet20: 'CIFAR ResNet-20 (He et al. 2016): 3 stages of 3 basic blocks, 16/32/64 channels, option-A shortcuts',
  resnet32: 'CIFAR ResNet-32: 3 stages of 5 basic blocks',
  resnet44: 'CIFAR ResNet-44: 3 stages of 7 basic blocks',
  resnet56: 'CIFAR ResNet-56: 3 stages of 9 basic blocks',
  resnet110: 'CIFAR ResNet-110: 3 stages of 18 basic blocks',
  resnet18: 'ResNet-18, CIFAR variant: 3×3 stem conv 64, no max-pool, 4 stages of 2 basic blocks (64/128/256/512), 1×1 conv + BN projection shortcuts',
  'wrn16-4': 'WideResNet-16-4 (Zagoruyko & Komodakis): pre-activation blocks, 2 per stage, widths 64/128/256, no dropout',
  'wrn16-8': 'WideResNet-16-8: pre-activation blocks, 2 per stage, widths 128/256/512, no dropout',
  'wrn28-10': 'WideResNet-28-10, the SAM paper\'s CIFAR model: 4 pre-activation blocks per stage, widths 160/320/640, no dropout',
  vgg16bn: 'VGG-16 with batch norm, CIFAR variant: 13 conv3×3-BN-ReLU with 5 max-pools, one dense layer on the 512 features',
};

/** A model's description; a WideResNet outside the list is described from its name. */
export function describeModelName(name: ModelName): string {
  if (name in MODEL_DESCRIPTIONS) return MODEL_DESCRIPTIONS[name as ListedModelName];
  const [, depth, width] = WIDE_RESNET_PATTERN.exec(name) ?? [];
  return `WideResNet-${depth}-${width}: pre-activation blocks, ${(Number(depth) - 4) / 6} per stage, widths ${[16, 32, 64].map((c) => c * Number(width)).join('/')}, no dropout`;
}

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

/**
 * ResNet-18 as the CIFAR reference code writes it (kuangliu's variant): a 3×3 stem instead of ImageNet's
 * 7×7 conv and max-pool, four stages of two basic blocks, 1×1 conv + BN projections where the shape changes.
 */
export function resNet18(classes: number): LayerSpecInput[] {
  const layers: LayerSpecInput[] = [...convBatchNorm(64), { type: 'relu' }];
  let channels = 64;
  for (const [stage, filters] of [64, 128, 256, 512].entries()) {
    for (let block = 0; block < 2; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const needsProjection = strides !== 1 || channels !== filters;
      layers.push({
        type: 'residual',
        body: [...convBatchNorm(filters, strides), { type: 'relu' }, ...convBatchNorm(filters)],
        shortcut: needsProjection
          ? [{ type: 'conv2d', filters, kernelSize: 1, strides, padding: 'same', useBias: false }, { type: 'batchNorm', epsilon: 1e-5, momentum: 0.9 }]
          : [],
        activation: 'relu',
      });
      channels = filters;
    }
  }
  layers.push({ type: 'globalAvgPool' }, { type: 'dense', units: classes });
  return layers;
}

const batchNormRelu: LayerSpecInput[] = [{ type: 'batchNorm', epsilon: 1e-5, momentum: 0.9 }, { type: 'relu' }];
const conv3x3 = (filters: number, strides = 1): LayerSpecInput => ({ type: 'conv2d', filters, kernelSize: 3, strides, padding: 'same', useBias: false });

/**
 * WideResNet-depth-width (Zagoruyko & Komodakis 2016) with pre-activation blocks, as the SAM reference code
 * builds it: stem conv 16, three stages of (depth − 4) / 6 blocks of widths 16k, 32k, 64k, then BN-ReLU,
 * global average pool, dense. Where the shape changes, BN-ReLU is applied once before the block and feeds
 * both the body and the 1×1 conv shortcut (so it sits outside the residual); elsewhere the body starts with
 * BN-ReLU and the shortcut is the identity. No activation after the sum (residual activation 'linear').
 *
 * Blocks per stage follow the paper, (depth − 4) / 6, which gives WRN-28-10 its published 36.5 M
 * parameters. The SAM / F-SAM reference code puts one more block in every stage (its "WideResNet28x10"
 * has 46.2 M parameters): that network is `wrn34-10` here.
 */
export function wideResNet(depth: number, width: number, classes: number): LayerSpecInput[] {
  if ((depth - 4) % 6 !== 0 || depth < 10) throw new Error(`WideResNet depth must be 6n + 4 (10, 16, 22, 28, 40, ...), got ${depth}`);
  const blocksPerStage = (depth - 4) / 6;
  const layers: LayerSpecInput[] = [conv3x3(16)];
  let channels = 16;
  for (const [stage, base] of [16, 32, 64].entries()) {
    const filters = base * width;
    for (let block = 0; block < blocksPerStage; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      if (strides !== 1 || channels !== filters) {
        layers.push(...batchNormRelu, {
          type: 'residual',
          body: [conv3x3(filters, strides), ...batchNormRelu, conv3x3(filters)],
          shortcut: [{ type: 'conv2d', filters, kernelSize: 1, strides, padding: 'same', useBias: false }],
          activation: 'linear',
        });
      } else {
        layers.push({ type: 'residual', body: [...batchNormRelu, conv3x3(filters), ...batchNormRelu, conv3x3(filters)], shortcut: [], activation: 'linear' });
      }
      channels = filters;
    }
  }
  layers.push(...batchNormRelu, { type: 'globalAvgPool' }, { type: 'dense', units: classes });
  return layers;
}

const VGG16_STAGES = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];

/**
 * VGG-16 with batch norm, CIFAR variant: 13 conv3×3-BN-ReLU in five stages, each closed by a 2×2 max-pool,
 * then flatten and ONE dense layer (512 → classes on 32×32 inputs), the common CIFAR VGG-16-BN (not the
 * F-SAM reference's 512-512 head with dropout, 15.25 M: the studio's step has no dropout) —
 * not ImageNet's three 4096-wide dense layers. Convolutions keep their bias (PyTorch's default there),
 * which is what makes the published 14.73 M. A pool is left out once the map is 1×1, so smaller inputs
 * (28×28) build too.
 */
export function vgg16BatchNorm(inputShape: number[], classes: number): LayerSpecInput[] {
  const layers: LayerSpecInput[] = [];
  let side = Math.min(inputShape[0] ?? 1, inputShape[1] ?? 1);
  for (const stage of VGG16_STAGES) {
    for (const filters of stage) {
      layers.push({ type: 'conv2d', filters, kernelSize: 3, padding: 'same', useBias: true }, { type: 'batchNorm', epsilon: 1e-5, momentum: 0.9 }, { type: 'relu' });
    }
    if (side >= 2) {
      layers.push({ type: 'maxPool2d', poolSize: 2 });
      side = Math.floor(side / 2);
    }
  }
  layers.push({ type: 'flatten' }, { type: 'dense', units: classes });
  return layers;
}

export function buildModelSpec(name: ModelName, inputShape: number[], classes: number): ModelSpec {
  let layers: LayerSpecInput[];
  const wide = WIDE_RESNET_PATTERN.exec(name);
  if (name === 'mlp') layers = mlp(classes);
  else if (name === 'cnn') layers = smallCnn(classes);
  else if (name === 'resnet18') layers = resNet18(classes);
  else if (name === 'vgg16bn') layers = vgg16BatchNorm(inputShape, classes);
  else if (wide) layers = wideResNet(Number(wide[1]), Number(wide[2]), classes);
  else layers = cifarResNet(Number(name.slice('resnet'.length)), classes);
  return parseModelSpec({ inputShape, layers });
}
