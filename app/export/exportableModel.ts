/**
 * What every model export needs, read once from a trained network: the spec, every weight and batch-norm
 * statistic by the network's own names, the input normalisation and the class names. The exporters are pure
 * functions of this, so they never touch tensors and cover the whole spec vocabulary, whatever the zoo adds.
 */
import type { ModelSpec } from '../models/spec.js';
import type { NamedWeights, Network } from '../models/network.js';
import type { InputNormalizer } from '../training/normalize.js';

export interface ExportableModel {
  spec: ModelSpec;
  /** Parameters ("layer0/kernel") and moving statistics ("layer1/movingMean"), as Network.readState gives them. */
  weights: ReadonlyMap<string, NamedWeights>;
  /** Per-channel mean and standard deviation of [0, 1] pixels: exported models take raw pixels and normalise. */
  channelMean: number[];
  channelStd: number[];
  classNames: string[];
  /** Free text kept in the file's metadata (run id, optimizer, step). */
  description: string;
}

export async function readExportableModel(network: Network, normalizer: InputNormalizer, classNames: string[], description: string): Promise<ExportableModel> {
  const state = await network.readState();
  return {
    spec: network.spec,
    weights: new Map(state.map((entry) => [entry.name, entry])),
    channelMean: [...normalizer.channelMean],
    channelStd: [...normalizer.channelStd],
    classNames: [...classNames],
    description,
  };
}

/** The named weight, or an error saying the model and its weights disagree (a bug, never user input). */
export function weightOf(model: ExportableModel, name: string): NamedWeights {
  const found = model.weights.get(name);
  if (!found) throw new Error(`Export: the network has no weight "${name}" that its spec declares`);
  return found;
}

/** Option A's fixed 0/1 filter, exactly as network.ts builds it: input channel c → output channel c + ⌊extra/2⌋. */
export function paddedShortcutSelection(channels: number, filters: number): Float32Array {
  const selection = new Float32Array(channels * filters);
  const before = Math.floor((filters - channels) / 2);
  for (let c = 0; c < channels; c++) selection[c * filters + before + c] = 1;
  return selection;
}

/** The normaliser's scale as the studio applies it: float32(1 / std), multiplied after subtracting the mean. */
export function inverseStd(model: ExportableModel): Float32Array {
  return Float32Array.from(model.channelStd, (s) => 1 / s);
}

/** Output shape of one layer, following network.ts (same padding: ⌈n/s⌉; valid: ⌊(n−k)/s⌋+1). */
export function outputShapeOf(layer: ModelSpec['layers'][number], shape: number[]): number[] {
  switch (layer.type) {
    case 'dense':
      return [layer.units];
    case 'conv2d': {
      const k = layer.kernelSize;
      const out = (n: number) => (layer.padding === 'same' ? Math.ceil(n / layer.strides) : Math.floor((n - k) / layer.strides) + 1);
      return [out(shape[0]!), out(shape[1]!), layer.filters];
    }
    case 'batchNorm':
    case 'relu':
    case 'tanh':
      return shape;
    case 'flatten':
      return [shape.reduce((a, b) => a * b, 1)];
    case 'globalAvgPool':
      return [shape[2]!];
    case 'maxPool2d': {
      const strides = layer.strides ?? layer.poolSize;
      const out = (n: number) => Math.floor((n - layer.poolSize) / strides) + 1;
      return [out(shape[0]!), out(shape[1]!), shape[2]!];
    }
    case 'paddedShortcut':
      return [Math.ceil(shape[0]! / layer.strides), Math.ceil(shape[1]! / layer.strides), layer.filters];
    case 'residual':
      return layer.body.reduce((s, inner) => outputShapeOf(inner, s), shape);
  }
}
