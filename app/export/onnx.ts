/**
 * ONNX export (opset 13) written from the ModelSpec. The model takes the studio's input — [0, 1] pixels,
 * NHWC — normalises it with the same float32 operations (x − mean)·(1/std), transposes once to NCHW (what
 * ONNX's Conv and pooling expect) and, before a dense layer, back to NHWC so Flatten reads the features in
 * the studio's (h, w, c) order and the dense kernels are used as trained.
 */
import type { Activation, LayerSpec } from '../models/spec.js';
import { inverseStd, outputShapeOf, paddedShortcutSelection, weightOf, type ExportableModel } from './exportableModel.js';
import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, ATTRIBUTE_INTS, ModelProto, ONNX_FLOAT, ONNX_INT64 } from './onnxSchema.js';

export const ONNX_OPSET = 13;
const IR_VERSION = 7; // the IR version of opset 13
export const ONNX_INPUT = 'pixels';
export const ONNX_OUTPUT = 'logits';

type Attribute = { name: string; type: number; f?: number; i?: number; ints?: number[] };
interface Node {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

const ints = (name: string, values: number[]): Attribute => ({ name, type: ATTRIBUTE_INTS, ints: values });
const int = (name: string, value: number): Attribute => ({ name, type: ATTRIBUTE_INT, i: value });
const float = (name: string, value: number): Attribute => ({ name, type: ATTRIBUTE_FLOAT, f: value });

/** Where a value's axes are: image tensors run NCHW inside the graph; vectors are [N, features]. */
type Layout = 'nchw' | 'flat';

class GraphWriter {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];

  constructor(private readonly model: ExportableModel) {}

  node(opType: string, name: string, input: string[], attribute: Attribute[] = [], output = `${name}:out`): string {
    this.nodes.push({ opType, name, input, output: [output], attribute });
    return output;
  }

  floats(name: string, dims: number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`Export: ${name} has ${values.length} values for shape [${dims.join(', ')}]`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice(); // little-endian, like every platform TF.js runs on
    this.initializers.push({ name, dims, dataType: ONNX_FLOAT, rawData: bytes });
    return name;
  }

  int64s(name: string, values: number[]): string {
    const array = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: new Uint8Array(array.buffer) });
    return name;
  }

  studioWeight(name: string): { shape: number[]; values: Float32Array } {
    return weightOf(this.model, name);
  }
}

/** TF's 'same' padding: ⌈n/s⌉ outputs, the odd pixel of padding at the end. [begin, end]. */
function samePadding(size: number, kernel: number, strides: number): [number, number] {
  const out = Math.ceil(size / strides);
  const total = Math.max((out - 1) * strides + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** [kh, kw, cin, cout] (TF) → [cout, cin, kh, kw] (ONNX). */
function kernelToOihw(values: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let h = 0; h < kh!; h++)
    for (let w = 0; w < kw!; w++)
      for (let i = 0; i < cin!; i++)
        for (let o = 0; o < cout!; o++) out[((o * cin! + i) * kh! + h) * kw! + w] = values[((h * kw! + w) * cin! + i) * cout! + o]!;
  return out;
}

function activate(writer: GraphWriter, activation: Activation, name: string, input: string): string {
  if (activation === 'linear') return input;
  return writer.node(activation === 'relu' ? 'Relu' : 'Tanh', `${name}/${activation}`, [input]);
}

interface Value {
  name: string;
  /** Shape per example, in the studio's (NHWC) terms. */
  shape: number[];
  layout: Layout;
}

function writeSequence(writer: GraphWriter, layers: readonly LayerSpec[], prefix: string, input: Value): Value {
  return layers.reduce((value, layer, index) => writeLayer(writer, layer, `${prefix}layer${index}`, value), input);
}

function writeLayer(writer: GraphWriter, layer: LayerSpec, name: string, input: Value): Value {
  const shape = outputShapeOf(layer, input.shape);
  const result = (output: string, layout: Layout = input.layout): Value => ({ name: output, shape, layout });
  switch (layer.type) {
    case 'dense': {
      const kernel = writer.studioWeight(`${name}/kernel`);
      const inputs = [input.name, writer.floats(`${name}/kernel`, kernel.shape, kernel.values)];
      if (layer.useBias) {
        const bias = writer.studioWeight(`${name}/bias`);
        inputs.push(writer.floats(`${name}/bias`, bias.shape, bias.values));
      }
      return result(activate(writer, layer.activation, name, writer.node('Gemm', `${name}/gemm`, inputs)), 'flat');
    }
    case 'conv2d': {
      const kernel = writer.studioWeight(`${name}/kernel`);
      const k = layer.kernelSize;
      const [top, bottom] = layer.padding === 'same' ? samePadding(input.shape[0]!, k, layer.strides) : [0, 0];
      const [left, right] = layer.padding === 'same' ? samePadding(input.shape[1]!, k, layer.strides) : [0, 0];
      const [, , cin, cout] = kernel.shape as [number, number, number, number];
      const inputs = [input.name, writer.floats(`${name}/kernel`, [cout, cin, k, k], kernelToOihw(kernel.values, kernel.shape))];
      if (layer.useBias) {
        const bias = writer.studioWeight(`${name}/bias`);
        inputs.push(writer.floats(`${name}/bias`, bias.shape, bias.values));
      }
      const conv = writer.node('Conv', `${name}/conv`, inputs, [ints('kernel_shape', [k, k]), ints('strides', [layer.strides, layer.strides]), ints('pads', [top, left, bottom, right]), ints('dilations', [1, 1]), int('group', 1)]);
      return result(activate(writer, layer.activation, name, conv));
    }
    case 'batchNorm': {
      const tensors = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((part) => {
        const weight = writer.studioWeight(`${name}/${part}`);
        return writer.floats(`${name}/${part}`, weight.shape, weight.values);
      });
      return result(writer.node('BatchNormalization', `${name}/batchNorm`, [input.name, ...tensors], [float('epsilon', layer.epsilon)]));
    }
    case 'relu':
      return result(writer.node('Relu', `${name}/relu`, [input.name]));
    case 'tanh':
      return result(writer.node('Tanh', `${name}/tanh`, [input.name]));
    case 'flatten': {
      // back to NHWC first: the studio's flatten (and so every dense kernel after it) reads (h, w, c)
      const nhwc = input.layout === 'nchw' ? writer.node('Transpose', `${name}/toNhwc`, [input.name], [ints('perm', [0, 2, 3, 1])]) : input.name;
      return result(writer.node('Flatten', `${name}/flatten`, [nhwc], [int('axis', 1)]), 'flat');
    }
    case 'globalAvgPool': {
      const pooled = writer.node('GlobalAveragePool', `${name}/pool`, [input.name]);
      return result(writer.node('Flatten', `${name}/flatten`, [pooled], [int('axis', 1)]), 'flat');
    }
    case 'maxPool2d': {
      const strides = layer.strides ?? layer.poolSize;
      return result(writer.node('MaxPool', `${name}/pool`, [input.name], [ints('kernel_shape', [layer.poolSize, layer.poolSize]), ints('strides', [strides, strides]), ints('pads', [0, 0, 0, 0])]));
    }
    case 'paddedShortcut': {
      const channels = input.shape[2]!;
      const selection = kernelToOihw(paddedShortcutSelection(channels, layer.filters), [1, 1, channels, layer.filters]);
      const weight = writer.floats(`${name}/selection`, [layer.filters, channels, 1, 1], selection);
      return result(writer.node('Conv', `${name}/conv`, [input.name, weight], [ints('kernel_shape', [1, 1]), ints('strides', [layer.strides, layer.strides]), ints('pads', [0, 0, 0, 0])]));
    }
    case 'residual': {
      const body = writeSequence(writer, layer.body, `${name}/body/`, input);
      const shortcut = writeSequence(writer, layer.shortcut, `${name}/shortcut/`, input);
      if (body.layout !== shortcut.layout) throw new Error(`Export: ${name}'s body and shortcut end in different layouts`);
      const sum = writer.node('Add', `${name}/add`, [body.name, shortcut.name]);
      return result(activate(writer, layer.activation, name, sum), body.layout);
    }
  }
}

const tensorType = (dims: (number | string)[]) => ({
  tensorType: { elemType: ONNX_FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
});

/** Protocol buffers cannot be larger than 2 GB; ONNX then keeps weights in external files, not written here. */
const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 2 ** 24;

/** The .onnx file's bytes. */
export function writeOnnxModel(model: ExportableModel, version: string): Uint8Array {
  const weightBytes = [...model.weights.values()].reduce((sum, w) => sum + 4 * w.values.length, 0);
  if (weightBytes > PROTOBUF_LIMIT_BYTES) {
    throw new Error(`This model's weights take ${(weightBytes / 2 ** 30).toFixed(1)} GB; a single ONNX file holds at most 2 GB. Export it as tfjs instead`);
  }
  const writer = new GraphWriter(model);
  const { spec } = model;
  const channels = spec.inputShape[spec.inputShape.length - 1]!;
  if (model.channelMean.length !== channels) throw new Error(`Export: the normaliser has ${model.channelMean.length} channels, the model's input ${channels}`);
  const centered = writer.node('Sub', 'normalize/sub', [ONNX_INPUT, writer.floats('normalize/mean', [channels], Float32Array.from(model.channelMean))]);
  const scaled = writer.node('Mul', 'normalize/mul', [centered, writer.floats('normalize/inverseStd', [channels], inverseStd(model))]);
  const image = spec.inputShape.length === 3;
  const first: Value = image
    ? { name: writer.node('Transpose', 'toNchw', [scaled], [ints('perm', [0, 3, 1, 2])]), shape: spec.inputShape, layout: 'nchw' }
    : { name: scaled, shape: spec.inputShape, layout: 'flat' };
  const last = writeSequence(writer, spec.layers, '', first);
  if (last.shape.length !== 1) throw new Error(`Export: the model ends in a [${last.shape.join(', ')}] value; a classifier ends in logits per class`);
  writer.node('Identity', 'output', [last.name], [], ONNX_OUTPUT);

  const message = ModelProto.fromObject({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'F-SAM Studio',
    producerVersion: version,
    docString: model.description,
    graph: {
      name: 'fsam_studio_model',
      node: writer.nodes,
      initializer: writer.initializers,
      input: [{ name: ONNX_INPUT, type: tensorType(['batch', ...spec.inputShape]), docString: 'pixels in [0, 1], NHWC' }],
      output: [{ name: ONNX_OUTPUT, type: tensorType(['batch', last.shape[0]!]), docString: 'logits per class' }],
    },
    metadataProps: [
      { key: 'classNames', value: JSON.stringify(model.classNames) },
      { key: 'channelMean', value: JSON.stringify(model.channelMean) },
      { key: 'channelStd', value: JSON.stringify(model.channelStd) },
    ],
  });
  return ModelProto.encode(message).finish();
}
