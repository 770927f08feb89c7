/**
 * Turns a ModelSpec into a network of raw TF.js ops whose forward pass takes its parameters as arguments.
 *
 * Why not tf.layers: the sharpness-aware step evaluates the same network at w and at w + e. Passing the
 * parameter tensors in makes the second pass a pure function of w + e — the weights are never overwritten,
 * so "restore w exactly" holds by construction — and it lets the step decide which pass may update batch
 * norm's moving statistics (only the first), which tf.layers cannot express.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../engine/random.js';
import { batchNormInference, batchNormTraining, type BatchStatistics } from './batchNorm.js';
import type { Activation, LayerSpec, ModelSpec } from './spec.js';

export type Initializer = 'heNormal' | 'fanInUniform' | 'zeros' | 'ones';

export interface ParameterDeclaration {
  name: string;
  shape: number[];
  initializer: Initializer;
  /** Inputs feeding each output (kernel elements per output unit), which scales the initial weights. */
  fanIn: number;
}

export interface ForwardMode {
  /** Batch statistics in batch norm (training) instead of the moving ones (inference). */
  training: boolean;
  /** Fold this pass's batch statistics into the moving ones. Only the first pass of a step does. */
  updateMovingStats: boolean;
  /**
   * Inference only: batch norm with a hand-written gradient (batchNormInference), for analyses that
   * differentiate a trained network; the same function as plain inference, up to rounding.
   */
  fastInferenceGradient?: boolean;
}

export const TRAINING_PASS: ForwardMode = { training: true, updateMovingStats: true };
export const PERTURBED_PASS: ForwardMode = { training: true, updateMovingStats: false };
export const INFERENCE: ForwardMode = { training: false, updateMovingStats: false };
/** Inference with moving statistics, cheap to differentiate: the sharpness analysis (app/analysis). */
export const ANALYSIS_PASS: ForwardMode = { training: false, updateMovingStats: false, fastInferenceGradient: true };

type Apply = (x: tf.Tensor, params: readonly tf.Tensor[], mode: ForwardMode) => tf.Tensor;

interface MovingStatistics {
  name: string;
  mean: tf.Variable;
  variance: tf.Variable;
}

export interface NamedWeights {
  name: string;
  shape: number[];
  values: Float32Array;
}

function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
  }
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** One layer of a model summary, in spec order (a residual block before the layers inside it). */
export interface LayerSummary {
  /** The layer's name as its parameters are prefixed ("layer4", "layer4/body/layer0"). */
  name: string;
  type: LayerSpec['type'];
  /** 0 for the model's own layers, 1 inside a residual block, 2 inside one nested in that, … */
  depth: number;
  /** What the layer is, briefly: "3×3 conv, 64 filters, stride 2". */
  detail: string;
  /** Without the batch dimension. */
  outputShape: number[];
  /** Trainable parameters of the layer, including those of the layers inside it. */
  parameterCount: number;
}

function describeLayer(layer: LayerSpec): string {
  switch (layer.type) {
    case 'dense':
      return `${layer.units} units${layer.activation === 'linear' ? '' : `, ${layer.activation}`}${layer.useBias ? '' : ', no bias'}`;
    case 'conv2d':
      return `${layer.kernelSize}×${layer.kernelSize} conv, ${layer.filters} filters${layer.strides > 1 ? `, stride ${layer.strides}` : ''}${layer.useBias ? '' : ', no bias'}${layer.activation === 'linear' ? '' : `, ${layer.activation}`}`;
    case 'batchNorm':
      return 'batch norm';
    case 'maxPool2d':
      return `${layer.poolSize}×${layer.poolSize} max-pool`;
    case 'paddedShortcut':
      return `subsample ×${layer.strides}, zero-pad to ${layer.filters} channels`;
    case 'residual':
      return `residual block (${layer.body.length} layers${layer.shortcut.length > 0 ? `, ${layer.shortcut.length}-layer shortcut` : ', identity shortcut'}${layer.activation === 'linear' ? '' : `, then ${layer.activation}`})`;
    default:
      return layer.type;
  }
}

/** Collects parameters and moving statistics while layers are compiled, and hands out their indices. */
class Builder {
  readonly parameters: ParameterDeclaration[] = [];
  readonly movingStatistics: { name: string; channels: number }[] = [];
  readonly layers: LayerSummary[] = [];
  depth = 0;

  declare(name: string, shape: number[], initializer: Initializer, fanIn: number): number {
    this.parameters.push({ name, shape, initializer, fanIn });
    return this.parameters.length - 1;
  }

  declareMovingStatistics(name: string, channels: number): number {
    this.movingStatistics.push({ name, channels });
    return this.movingStatistics.length - 1;
  }

  /** Fixed tensors a layer applies (made on first use, kept across steps, freed with the network). */
  readonly constants: tf.Tensor[] = [];

  /**
   * A constant tensor, made once on first use rather than on every forward pass: on a GPU backend each new
   * tensor is another upload per step. Summaries never apply a layer, so they allocate nothing.
   */
  constant<T extends tf.Tensor>(make: () => T): () => T {
    let made: T | undefined;
    return () => {
      if (made === undefined || made.isDisposed) {
        made = tf.keep(make());
        this.constants.push(made);
      }
      return made;
    };
  }
}

interface Compiled {
  apply: Apply;
  outputShape: number[];
}

function compileSequence(
  layers: readonly LayerSpec[],
  inputShape: number[],
  prefix: string,
  builder: Builder,
  statistics: () => MovingStatistics[],
): Compiled {
  const applies: Apply[] = [];
  let shape = inputShape;
  layers.forEach((layer, index) => {
    const name = `${prefix}layer${index}`;
    // the summary row is placed before compiling, so a block comes before the layers inside it
    const summary: LayerSummary = { name, type: layer.type, depth: builder.depth, detail: describeLayer(layer), outputShape: [], parameterCount: 0 };
    builder.layers.push(summary);
    const parametersBefore = builder.parameters.length;
    builder.depth += 1;
    const compiled = compileLayer(layer, shape, name, builder, statistics);
    builder.depth -= 1;
    summary.outputShape = compiled.outputShape;
    summary.parameterCount = countParameters(builder.parameters.slice(parametersBefore));
    applies.push(compiled.apply);
    shape = compiled.outputShape;
  });
  return {
    outputShape: shape,
    apply: (x, params, mode) => applies.reduce((value, apply) => apply(value, params, mode), x),
  };
}

function requireRank(layer: LayerSpec, name: string, shape: number[], rank: number, hint: string): void {
  if (shape.length !== rank) {
    throw new Error(`Model layer ${name} (${layer.type}) needs an input of rank ${rank} per example, got ${describeShape(shape)}; ${hint}`);
  }
}

function compileLayer(
  layer: LayerSpec,
  shape: number[],
  name: string,
  builder: Builder,
  statistics: () => MovingStatistics[],
): Compiled {
  switch (layer.type) {
    case 'dense': {
      requireRank(layer, name, shape, 1, 'add a flatten or globalAvgPool layer before it');
      const inputs = shape[0]!;
      const kernel = builder.declare(`${name}/kernel`, [inputs, layer.units], 'fanInUniform', inputs);
      const bias = layer.useBias ? builder.declare(`${name}/bias`, [layer.units], 'zeros', inputs) : -1;
      return {
        outputShape: [layer.units],
        apply: (x, params) => {
          let y: tf.Tensor = tf.matMul(x as tf.Tensor2D, params[kernel] as tf.Tensor2D);
          if (bias >= 0) y = tf.add(y, params[bias]!);
          return activate(y, layer.activation);
        },
      };
    }
    case 'conv2d': {
      requireRank(layer, name, shape, 3, 'conv2d takes [height, width, channels] inputs');
      const [height, width, channels] = shape as [number, number, number];
      const k = layer.kernelSize;
      const kernel = builder.declare(`${name}/kernel`, [k, k, channels, layer.filters], 'heNormal', k * k * channels);
      const bias = layer.useBias ? builder.declare(`${name}/bias`, [layer.filters], 'zeros', k * k * channels) : -1;
      const out = (size: number) => (layer.padding === 'same' ? Math.ceil(size / layer.strides) : Math.floor((size - k) / layer.strides) + 1);
      if (out(height) < 1 || out(width) < 1) throw new Error(`Model layer ${name} (conv2d): a ${k}×${k} 'valid' kernel does not fit an input of ${describeShape(shape)}`);
      return {
        outputShape: [out(height), out(width), layer.filters],
        apply: (x, params) => {
          let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, params[kernel] as tf.Tensor4D, layer.strides, layer.padding);
          if (bias >= 0) y = tf.add(y, params[bias]!);
          return activate(y, layer.activation);
        },
      };
    }
    case 'batchNorm': {
      const channels = shape[shape.length - 1]!;
      const gamma = builder.declare(`${name}/gamma`, [channels], 'ones', 1);
      const beta = builder.declare(`${name}/beta`, [channels], 'zeros', 1);
      const stats = builder.declareMovingStatistics(name, channels);
      return {
        outputShape: shape,
        apply: (x, params, mode) => {
          const moving = statistics()[stats]!;
          if (!mode.training) {
            if (mode.fastInferenceGradient) return batchNormInference(x, moving.mean, moving.variance, params[gamma]!, params[beta]!, layer.epsilon);
            return tf.batchNorm(x, moving.mean, moving.variance, params[beta], params[gamma], layer.epsilon);
          }
          const onStatistics = mode.updateMovingStats
            ? ({ mean, variance, count }: BatchStatistics) => updateMovingStatistics(moving, mean, variance, count, layer.momentum)
            : undefined;
          return batchNormTraining(x, params[gamma]!, params[beta]!, layer.epsilon, onStatistics);
        },
      };
    }
    case 'relu':
      return { outputShape: shape, apply: (x) => tf.relu(x) };
    case 'tanh':
      return { outputShape: shape, apply: (x) => tf.tanh(x) };
    case 'flatten': {
      const size = shape.reduce((a, b) => a * b, 1);
      return { outputShape: [size], apply: (x) => tf.reshape(x, [x.shape[0]!, size]) };
    }
    case 'globalAvgPool':
      requireRank(layer, name, shape, 3, 'globalAvgPool pools [height, width, channels] feature maps');
      return { outputShape: [shape[2]!], apply: (x) => tf.mean(x, [1, 2]) };
    case 'maxPool2d': {
      requireRank(layer, name, shape, 3, 'maxPool2d pools [height, width, channels] feature maps');
      const strides = layer.strides ?? layer.poolSize;
      const out = (size: number) => Math.floor((size - layer.poolSize) / strides) + 1;
      return {
        outputShape: [out(shape[0]!), out(shape[1]!), shape[2]!],
        apply: (x) => tf.maxPool(x as tf.Tensor4D, layer.poolSize, strides, 'valid'),
      };
    }
    case 'paddedShortcut': {
      requireRank(layer, name, shape, 3, 'paddedShortcut works on feature maps');
      const [height, width, channels] = shape as [number, number, number];
      const extra = layer.filters - channels;
      if (extra < 0) throw new Error(`Model layer ${name} (paddedShortcut): filters ${layer.filters} is fewer than the input's ${channels} channels`);
      // Subsampling and zero-padding the channels is one 1×1 convolution with a fixed 0/1 filter that puts
      // input channel c on output channel c + before: exact, and on wasm far faster than strided slices or
      // an average pool, whose gradients are scalar loops there.
      const selection = new Float32Array(channels * layer.filters);
      const before = Math.floor(extra / 2);
      for (let c = 0; c < channels; c++) selection[c * layer.filters + before + c] = 1;
      const filter = builder.constant(() => tf.tensor4d(selection, [1, 1, channels, layer.filters]));
      return {
        outputShape: [Math.ceil(height / layer.strides), Math.ceil(width / layer.strides), layer.filters],
        apply: (x) => tf.conv2d(x as tf.Tensor4D, filter(), layer.strides, 'valid'),
      };
    }
    case 'residual': {
      const body = compileSequence(layer.body, shape, `${name}/body/`, builder, statistics);
      const shortcut = compileSequence(layer.shortcut, shape, `${name}/shortcut/`, builder, statistics);
      if (describeShape(body.outputShape) !== describeShape(shortcut.outputShape)) {
        throw new Error(
          `Model layer ${name} (residual): the body gives ${describeShape(body.outputShape)} but the shortcut gives ${describeShape(shortcut.outputShape)}; they must match to be added`,
        );
      }
      return {
        outputShape: body.outputShape,
        apply: (x, params, mode) => activate(tf.add(body.apply(x, params, mode), shortcut.apply(x, params, mode)), layer.activation),
      };
    }
  }
}

function updateMovingStatistics(moving: MovingStatistics, mean: tf.Tensor, variance: tf.Tensor, count: number, momentum: number): void {
  // like PyTorch, the moving variance is the unbiased estimate; normalisation itself uses the biased one
  const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
  moving.mean.assign(tf.add(tf.mul(moving.mean, momentum), tf.mul(mean, 1 - momentum)));
  moving.variance.assign(tf.add(tf.mul(moving.variance, momentum), tf.mul(unbiased, 1 - momentum)));
}

function initialValues(declaration: ParameterDeclaration, random: Random): Float32Array {
  const size = declaration.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const fanIn = declaration.fanIn;
  switch (declaration.initializer) {
    case 'zeros':
      break;
    case 'ones':
      values.fill(1);
      break;
    case 'heNormal': {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < size; i++) values[i] = std * random.truncatedNormal() / 0.8796256610342398; // keep the variance of the untruncated normal
      break;
    }
    case 'fanInUniform': {
      // PyTorch's default for nn.Linear (U(±1/√fan_in)), as in the reference code; Glorot's larger weights
      // on a wide flatten → dense layer made SGD at lr 0.05 with momentum blow up in its first steps.
      const limit = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < size; i++) values[i] = (2 * random.nextFloat() - 1) * limit;
      break;
    }
  }
  return values;
}

interface CompiledModel extends Compiled {
  parameters: ParameterDeclaration[];
  movingStatistics: { name: string; channels: number }[];
  layers: LayerSummary[];
  constants: tf.Tensor[];
}

function compileModel(spec: ModelSpec, statistics: () => MovingStatistics[]): CompiledModel {
  const builder = new Builder();
  const compiled = compileSequence(spec.layers, spec.inputShape, '', builder, statistics);
  return { ...compiled, parameters: builder.parameters, movingStatistics: builder.movingStatistics, layers: builder.layers, constants: builder.constants };
}

function countParameters(declarations: readonly ParameterDeclaration[]): number {
  return declarations.reduce((sum, d) => sum + d.shape.reduce((a, b) => a * b, 1), 0);
}

export interface ModelSummary {
  parameterCount: number;
  outputShape: number[];
  parameters: { name: string; shape: number[] }[];
  /** Every layer with its output shape and parameter count (nested layers of blocks too, by depth). */
  layers: LayerSummary[];
}

/** What a spec builds — parameter names, shapes and count — without allocating any tensor. */
export function summarizeModel(spec: ModelSpec): ModelSummary {
  const compiled = compileModel(spec, () => []);
  return {
    parameterCount: countParameters(compiled.parameters),
    outputShape: compiled.outputShape,
    parameters: compiled.parameters.map(({ name, shape }) => ({ name, shape })),
    layers: compiled.layers,
  };
}

export interface NetworkOptions {
  /** Seed of the initial weights; the same seed gives the same network on every backend. */
  seed?: number;
  /** Exact initial values by parameter name (golden fixtures, checkpoints); every parameter must be given. */
  initialWeights?: ReadonlyMap<string, ArrayLike<number>>;
}

export class Network {
  readonly parameters: tf.Variable[];
  readonly declarations: readonly ParameterDeclaration[];
  readonly outputShape: number[];
  private readonly statistics: MovingStatistics[];
  private readonly applyAll: Apply;
  /** The layers' constant tensors, filled as they are first used. */
  private readonly constants: tf.Tensor[];

  constructor(
    readonly spec: ModelSpec,
    options: NetworkOptions = {},
  ) {
    const compiled = compileModel(spec, () => this.statistics);
    this.applyAll = compiled.apply;
    this.constants = compiled.constants;
    this.outputShape = compiled.outputShape;
    this.declarations = compiled.parameters;
    const random = Random.stream(options.seed ?? 0, 'initial-weights');
    this.parameters = compiled.parameters.map((declaration) => {
      const given = options.initialWeights?.get(declaration.name);
      if (options.initialWeights && !given) throw new Error(`Initial weights lack "${declaration.name}"`);
      const values = given ? Float32Array.from(given) : initialValues(declaration, random);
      const expected = declaration.shape.reduce((a, b) => a * b, 1);
      if (values.length !== expected) {
        throw new Error(`Initial weights "${declaration.name}" have ${values.length} values; its shape ${describeShape(declaration.shape)} needs ${expected}`);
      }
      return tf.tidy(() => tf.variable(tf.tensor(values, declaration.shape), true));
    });
    this.statistics = compiled.movingStatistics.map(({ name, channels }) => ({
      name,
      mean: tf.tidy(() => tf.variable(tf.zeros([channels]), false)),
      variance: tf.tidy(() => tf.variable(tf.ones([channels]), false)),
    }));
  }

  get parameterCount(): number {
    return countParameters(this.declarations);
  }

  get classCount(): number {
    return this.outputShape[0]!;
  }

  /** Logits for a batch, with the given parameter tensors (the network's own, or perturbed copies). */
  forward(params: readonly tf.Tensor[], x: tf.Tensor, mode: ForwardMode): tf.Tensor2D {
    return this.applyAll(x, params, mode) as tf.Tensor2D;
  }

  predict(x: tf.Tensor): tf.Tensor2D {
    return this.forward(this.parameters, x, INFERENCE);
  }

  /** The moving mean and variance of every batch-norm layer, by layer name. */
  movingStatistics(): { name: string; mean: tf.Variable; variance: tf.Variable }[] {
    return this.statistics;
  }

  /** The trainable parameters' values, read asynchronously (webgpu has no synchronous read in Node). */
  async readWeights(): Promise<NamedWeights[]> {
    return Promise.all(this.parameters.map(async (p, i) => ({ name: this.declarations[i]!.name, shape: [...p.shape], values: (await p.data()) as Float32Array })));
  }

  /** The trainable parameters and every batch-norm moving statistic: all a checkpoint needs to rebuild the network. */
  async readState(): Promise<NamedWeights[]> {
    return Promise.all(this.stateVariables().map(async ({ name, variable }) => ({ name, shape: [...variable.shape], values: (await variable.data()) as Float32Array })));
  }

  restoreState(state: readonly NamedWeights[]): void {
    const byName = new Map(state.map((entry) => [entry.name, entry]));
    for (const { name, variable } of this.stateVariables()) {
      const saved = byName.get(name);
      if (!saved) throw new Error(`The checkpoint has no network state "${name}"; it was saved for a different model`);
      if (saved.values.length !== variable.size) {
        throw new Error(`The checkpoint's "${name}" has ${saved.values.length} values; this model's has ${variable.size}`);
      }
      tf.tidy(() => variable.assign(tf.tensor(saved.values, variable.shape)));
    }
  }

  private stateVariables(): { name: string; variable: tf.Variable }[] {
    return [
      ...this.parameters.map((variable, i) => ({ name: this.declarations[i]!.name, variable })),
      ...this.statistics.flatMap((s) => [
        { name: `${s.name}/movingMean`, variable: s.mean },
        { name: `${s.name}/movingVariance`, variable: s.variance },
      ]),
    ];
  }

  dispose(): void {
    tf.dispose(this.constants);
    for (const p of this.parameters) p.dispose();
    for (const s of this.statistics) {
      s.mean.dispose();
      s.variance.dispose();
    }
  }
}
