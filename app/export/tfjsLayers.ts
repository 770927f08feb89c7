/**
 * TF.js LayersModel export (model.json + weights.bin) written from the ModelSpec: a Keras functional model
 * whose first layers (two Rescaling) do the studio's input standardisation, so it takes the same [0, 1]
 * NHWC pixels the studio does. Layer names follow the network's parameter names ("layer3/body/
 * layer0" → "layer3_body_layer0"), so a weight in the file can be traced to the run's checkpoint.
 */
import type { Activation, LayerSpec } from '../models/spec.js';
import { inverseStd, outputShapeOf, paddedShortcutSelection, weightOf, type ExportableModel } from './exportableModel.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface KerasLayer {
  class_name: string;
  name: string;
  config: { [key: string]: Json };
  inbound_nodes: Json[];
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface TfjsLayersExport {
  /** The model.json object (topology, weights manifest pointing at weights.bin, metadata). */
  modelJson: { [key: string]: Json };
  weightSpecs: WeightSpec[];
  /** weights.bin: the weights' float32 values, in weightSpecs' order. */
  weightData: Uint8Array;
}

export const TFJS_WEIGHTS_FILE = 'weights.bin';

const ZEROS = { class_name: 'Zeros', config: {} };
const ONES = { class_name: 'Ones', config: {} };

class TopologyWriter {
  readonly layers: KerasLayer[] = [];
  readonly weightSpecs: WeightSpec[] = [];
  private readonly chunks: Float32Array[] = [];

  constructor(private readonly model: ExportableModel) {}

  /** Adds a layer fed by `inputs` (layer names) and returns its name. */
  add(className: string, name: string, config: { [key: string]: Json }, inputs: string[]): string {
    const inbound = inputs.map((input) => [input, 0, 0, {}] as Json);
    this.layers.push({ class_name: className, name, config: { name, trainable: true, dtype: 'float32', ...config }, inbound_nodes: inputs.length > 0 ? [inbound] : [] });
    return name;
  }

  weight(layerName: string, weightName: string, shape: number[], values: Float32Array): void {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`Export: ${layerName}/${weightName} has ${values.length} values for shape [${shape.join(', ')}]`);
    this.weightSpecs.push({ name: `${layerName}/${weightName}`, shape, dtype: 'float32' });
    this.chunks.push(values);
  }

  /** A weight copied from the network under its studio name. */
  copy(layerName: string, weightName: string, studioName: string): void {
    const found = weightOf(this.model, studioName);
    this.weight(layerName, weightName, found.shape, found.values);
  }

  weightData(): Uint8Array {
    const total = this.chunks.reduce((sum, c) => sum + c.length, 0);
    const all = new Float32Array(total);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return new Uint8Array(all.buffer);
  }
}

const kerasName = (studioName: string) => studioName.replaceAll('/', '_');

function activationLayer(writer: TopologyWriter, activation: Activation, name: string, input: string): string {
  return activation === 'linear' ? input : writer.add('Activation', name, { activation }, [input]);
}

function batchNormalizationConfig(epsilon: number, momentum: number): { [key: string]: Json } {
  return {
    axis: -1,
    momentum,
    epsilon,
    center: true,
    scale: true,
    beta_initializer: ZEROS,
    gamma_initializer: ONES,
    moving_mean_initializer: ZEROS,
    moving_variance_initializer: ONES,
  };
}

function writeSequence(writer: TopologyWriter, layers: readonly LayerSpec[], prefix: string, input: string, inputShape: number[]): { output: string; shape: number[] } {
  let output = input;
  let shape = inputShape;
  layers.forEach((layer, index) => {
    output = writeLayer(writer, layer, `${prefix}layer${index}`, output, shape);
    shape = outputShapeOf(layer, shape);
  });
  return { output, shape };
}

function writeLayer(writer: TopologyWriter, layer: LayerSpec, studioName: string, input: string, shape: number[]): string {
  const name = kerasName(studioName);
  switch (layer.type) {
    case 'dense': {
      writer.add('Dense', name, { units: layer.units, activation: layer.activation, use_bias: layer.useBias, kernel_initializer: ZEROS, bias_initializer: ZEROS }, [input]);
      writer.copy(name, 'kernel', `${studioName}/kernel`);
      if (layer.useBias) writer.copy(name, 'bias', `${studioName}/bias`);
      return name;
    }
    case 'conv2d': {
      writer.add(
        'Conv2D',
        name,
        {
          filters: layer.filters,
          kernel_size: [layer.kernelSize, layer.kernelSize],
          strides: [layer.strides, layer.strides],
          padding: layer.padding,
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: layer.activation,
          use_bias: layer.useBias,
          kernel_initializer: ZEROS,
          bias_initializer: ZEROS,
        },
        [input],
      );
      writer.copy(name, 'kernel', `${studioName}/kernel`);
      if (layer.useBias) writer.copy(name, 'bias', `${studioName}/bias`);
      return name;
    }
    case 'batchNorm': {
      writer.add('BatchNormalization', name, batchNormalizationConfig(layer.epsilon, layer.momentum), [input]);
      writer.copy(name, 'gamma', `${studioName}/gamma`);
      writer.copy(name, 'beta', `${studioName}/beta`);
      writer.copy(name, 'moving_mean', `${studioName}/movingMean`);
      writer.copy(name, 'moving_variance', `${studioName}/movingVariance`);
      return name;
    }
    case 'relu':
    case 'tanh':
      return writer.add('Activation', name, { activation: layer.type }, [input]);
    case 'flatten':
      // Keras flattens channels-last feature maps in the same (h, w, c) order as the studio's reshape
      return writer.add('Flatten', name, {}, [input]);
    case 'globalAvgPool':
      return writer.add('GlobalAveragePooling2D', name, { data_format: 'channels_last' }, [input]);
    case 'maxPool2d': {
      const strides = layer.strides ?? layer.poolSize;
      return writer.add('MaxPooling2D', name, { pool_size: [layer.poolSize, layer.poolSize], strides: [strides, strides], padding: 'valid', data_format: 'channels_last' }, [input]);
    }
    case 'paddedShortcut': {
      const channels = shape[2]!;
      writer.add(
        'Conv2D',
        name,
        {
          filters: layer.filters,
          kernel_size: [1, 1],
          strides: [layer.strides, layer.strides],
          padding: 'valid',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'linear',
          use_bias: false,
          kernel_initializer: ZEROS,
          trainable: false,
        },
        [input],
      );
      writer.weight(name, 'kernel', [1, 1, channels, layer.filters], paddedShortcutSelection(channels, layer.filters));
      return name;
    }
    case 'residual': {
      const body = writeSequence(writer, layer.body, `${studioName}/body/`, input, shape);
      const shortcut = writeSequence(writer, layer.shortcut, `${studioName}/shortcut/`, input, shape);
      const sum = writer.add('Add', `${name}_add`, {}, [body.output, shortcut.output]);
      return activationLayer(writer, layer.activation, `${name}_${layer.activation}`, sum);
    }
  }
}

export function writeTfjsLayersModel(model: ExportableModel, version: string): TfjsLayersExport {
  const writer = new TopologyWriter(model);
  const { spec } = model;
  const input = writer.add('InputLayer', 'pixels', { batch_input_shape: [null, ...spec.inputShape], sparse: false }, []);
  const channels = spec.inputShape[spec.inputShape.length - 1]!;
  if (model.channelMean.length !== channels) throw new Error(`Export: the normaliser has ${model.channelMean.length} channels, the model's input ${channels}`);
  // The studio's standardisation, (x − mean)·(1/std) in float32, as two Rescaling layers (x·scale + offset,
  // per channel by broadcasting): x·1 + (−mean), then ·(1/std) + 0 round exactly like the studio's Sub and Mul.
  const center = writer.add('Rescaling', 'normalize_center', { scale: 1, offset: model.channelMean.map((m) => -Math.fround(m)), trainable: false }, [input]);
  const normalize = writer.add('Rescaling', 'normalize_scale', { scale: Array.from(inverseStd(model)), offset: 0, trainable: false }, [center]);
  const { output } = writeSequence(writer, spec.layers, '', normalize, spec.inputShape);

  const modelTopology: { [key: string]: Json } = {
    class_name: 'Model',
    config: {
      name: 'fsam_studio_model',
      layers: writer.layers as unknown as Json[],
      input_layers: [[input, 0, 0]],
      output_layers: [[output, 0, 0]],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `F-SAM Studio ${version}`,
      convertedBy: null,
      modelTopology,
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: writer.weightSpecs as unknown as Json[] }],
      userDefinedMetadata: {
        input: 'pixels in [0, 1], NHWC; normalisation is inside the model',
        output: 'logits (apply softmax for probabilities)',
        classNames: model.classNames,
        channelMean: model.channelMean,
        channelStd: model.channelStd,
        description: model.description,
      },
    },
    weightSpecs: writer.weightSpecs,
    weightData: writer.weightData(),
  };
}
