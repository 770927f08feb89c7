/**
 * The gradient kernels a training step needs, against the cpu backend's, on the real backends: wasm (with
 * the studio's own kernels, app/engine/wasmGradientKernels.ts) and webgpu (tfjs-webgpu's, on Dawn; lavapipe
 * where there is no GPU — skipped only where no adapter loads). The same seeded data goes through tf.grads
 * of conv2d / depthwiseConv2d / maxPool on cpu and on the backend (switching with tf.setBackend), and the
 * gradients must agree within 1e-4 of the result's magnitude (absolute below magnitude 1). What the
 * gradient path cannot reach (dilations, dimRoundingMode) is checked by calling the kernels directly.
 * Plus: no memory leak on either, same-type Identity/Cast keep values, idempotent registration.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { loadBackend } from '../../app/engine/backend.js';
import { registerWasmGradientKernels } from '../../app/engine/wasmGradientKernels.js';

/** The backends checked against cpu; webgpu where Dawn finds an adapter (FSAM_BACKEND=webgpu's route). */
await loadBackend('cpu');
await loadBackend('wasm'); // the engine's own path: imports the wasm backend and registers our kernels
const webgpuProblem = await loadBackend('webgpu').then(
  () => undefined,
  (error: Error) => error.message,
);
const BACKENDS = webgpuProblem === undefined ? ['wasm', 'webgpu'] : ['wasm'];
if (webgpuProblem !== undefined) test('the gradient kernels on webgpu', { skip: `no webgpu adapter: ${webgpuProblem}` }, () => {});

const TOLERANCE = 1e-4;
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Pair = [number, number];

/** Deterministic values in [-1, 1) (an LCG; the same array feeds both backends). */
function seeded(size: number, seed: number): Float32Array {
  let state = (seed * 2654435761) >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Reads tensors back (asynchronously: webgpu has no synchronous read) and disposes them. */
async function readAll(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  const values: Float32Array[] = [];
  for (const t of tensors) {
    values.push(Float32Array.from((await t.data()) as Float32Array));
    t.dispose();
  }
  return values;
}

/** Runs `compute` on cpu and on `backend` and returns both results as plain arrays. */
async function onCpuAnd(backend: string, compute: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; other: Float32Array[] }> {
  const results: Float32Array[][] = [];
  for (const name of ['cpu', backend]) {
    assert.ok(await tf.setBackend(name));
    results.push(await readAll(tf.tidy(() => compute())));
  }
  return { cpu: results[0]!, other: results[1]! };
}

/** Largest |other − cpu| divided by max(1, largest |cpu|). */
function relativeError(cpu: Float32Array, wasm: Float32Array): number {
  assert.equal(wasm.length, cpu.length);
  let scale = 1;
  for (const v of cpu) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    const diff = Math.abs(wasm[i]! - cpu[i]!);
    worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff / scale);
  }
  return worst;
}

const worstError = new Map<string, number>();
const casesRun = new Map<string, number>();

function assertClose(backend: string, label: string, cpu: Float32Array[], other: Float32Array[], names: string[]): void {
  casesRun.set(backend, (casesRun.get(backend) ?? 0) + 1);
  for (let i = 0; i < cpu.length; i++) {
    const err = relativeError(cpu[i]!, other[i]!);
    worstError.set(backend, Math.max(worstError.get(backend) ?? 0, err));
    assert.ok(err <= TOLERANCE, `${backend}, ${label}: ${names[i]} differs from cpu by ${err.toExponential(2)} (relative)`);
  }
}

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: Pair;
  strides: Pair;
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [];
for (const [batch, height, width] of [[1, 9, 7], [8, 12, 10]] as const) {
  for (const [inChannels, outChannels] of [[1, 4], [3, 8], [12, 6]] as const) {
    for (const kernel of [1, 3, 5]) {
      for (const strides of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          CONV_CASES.push({ batch, height, width, inChannels, outChannels, kernel: [kernel, kernel], strides: [strides, strides], pad });
        }
      }
    }
  }
}
// Non-square kernels and strides, numeric and explicit padding, both filter-gradient strategies (Ci ≤ 2 and > 2).
CONV_CASES.push(
  { batch: 4, height: 11, width: 8, inChannels: 2, outChannels: 5, kernel: [3, 1], strides: [2, 1], pad: 'same' },
  { batch: 4, height: 11, width: 8, inChannels: 16, outChannels: 5, kernel: [1, 5], strides: [1, 3], pad: 'valid' },
  { batch: 3, height: 10, width: 9, inChannels: 4, outChannels: 7, kernel: [3, 3], strides: [1, 1], pad: 1 },
  { batch: 3, height: 10, width: 9, inChannels: 9, outChannels: 7, kernel: [3, 3], strides: [2, 2], pad: 2 },
  { batch: 2, height: 8, width: 13, inChannels: 5, outChannels: 3, kernel: [3, 5], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  { batch: 2, height: 8, width: 13, inChannels: 10, outChannels: 3, kernel: [3, 3], strides: [1, 2], pad: [[0, 0], [4, 0], [0, 1], [0, 0]] },
  { batch: 16, height: 28, width: 28, inChannels: 1, outChannels: 16, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  { batch: 8, height: 14, width: 14, inChannels: 16, outChannels: 32, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  // stride 1 with Ci > 8 (the shifted-GEMM filter gradient): padding wider than the kernel, a non-square kernel
  { batch: 2, height: 8, width: 13, inChannels: 10, outChannels: 3, kernel: [3, 3], strides: [1, 1], pad: [[0, 0], [4, 0], [0, 1], [0, 0]] },
  { batch: 3, height: 7, width: 9, inChannels: 9, outChannels: 11, kernel: [2, 4], strides: [1, 1], pad: 'same' },
);

function describeCase(c: { batch: number; height: number; width: number; inChannels: number; kernel: Pair; strides: Pair; pad: Pad }, extra: string): string {
  return `x [${c.batch},${c.height},${c.width},${c.inChannels}] ${extra} k ${c.kernel.join('×')} s ${c.strides.join(',')} pad ${JSON.stringify(c.pad)}`;
}

for (const backend of BACKENDS) describe(`conv2d gradients on ${backend} equal cpu`, () => {
  CONV_CASES.forEach((c, index) => {
    test(describeCase(c, `co ${c.outChannels}`), async () => {
      const xShape = [c.batch, c.height, c.width, c.inChannels];
      const wShape = [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
      const xValues = seeded(xShape.reduce((a, b) => a * b), 3 * index + 1);
      const wValues = seeded(wShape.reduce((a, b) => a * b), 3 * index + 2);
      const { cpu, other } = await onCpuAnd(backend, () => {
        const x = tf.tensor4d(xValues, xShape as [number, number, number, number]);
        const w = tf.tensor4d(wValues, wShape as [number, number, number, number]);
        // A random linear read-out of the output makes dy a random tensor, not all ones.
        const loss = (xs: tf.Tensor, ws: tf.Tensor) => {
          const y = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.strides, c.pad);
          return tf.sum(tf.mul(y, tf.tensor(seeded(y.size, 3 * index + 3), y.shape)));
        };
        return tf.grads(loss)([x, w]);
      });
      assertClose(backend, describeCase(c, `co ${c.outChannels}`), cpu, other, ['dx', 'dw']);
    });
  });
});

interface DepthwiseCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  multiplier: number;
  kernel: Pair;
  strides: Pair;
  pad: Pad;
}

const DEPTHWISE_CASES: DepthwiseCase[] = [];
for (const [batch, height, width] of [[1, 9, 7], [8, 12, 10]] as const) {
  for (const [inChannels, multiplier] of [[1, 1], [3, 2], [8, 1]] as const) {
    for (const kernel of [1, 3, 5]) {
      for (const strides of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          DEPTHWISE_CASES.push({ batch, height, width, inChannels, multiplier, kernel: [kernel, kernel], strides: [strides, strides], pad });
        }
      }
    }
  }
}
DEPTHWISE_CASES.push(
  { batch: 4, height: 11, width: 8, inChannels: 6, multiplier: 3, kernel: [3, 1], strides: [2, 1], pad: 'same' },
  { batch: 3, height: 10, width: 9, inChannels: 4, multiplier: 2, kernel: [3, 3], strides: [2, 2], pad: 1 },
  { batch: 2, height: 8, width: 13, inChannels: 5, multiplier: 1, kernel: [3, 5], strides: [1, 2], pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  { batch: 8, height: 14, width: 14, inChannels: 32, multiplier: 1, kernel: [3, 3], strides: [1, 1], pad: 'same' },
);

for (const backend of BACKENDS) describe(`depthwiseConv2d gradients on ${backend} equal cpu`, () => {
  DEPTHWISE_CASES.forEach((c, index) => {
    test(describeCase(c, `mult ${c.multiplier}`), async () => {
      const xShape = [c.batch, c.height, c.width, c.inChannels];
      const wShape = [c.kernel[0], c.kernel[1], c.inChannels, c.multiplier];
      const xValues = seeded(xShape.reduce((a, b) => a * b), 1000 + 3 * index);
      const wValues = seeded(wShape.reduce((a, b) => a * b), 1001 + 3 * index);
      const { cpu, other } = await onCpuAnd(backend, () => {
        const x = tf.tensor4d(xValues, xShape as [number, number, number, number]);
        const w = tf.tensor4d(wValues, wShape as [number, number, number, number]);
        const loss = (xs: tf.Tensor, ws: tf.Tensor) => {
          const y = tf.depthwiseConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.strides, c.pad);
          return tf.sum(tf.mul(y, tf.tensor(seeded(y.size, 1002 + 3 * index), y.shape)));
        };
        return tf.grads(loss)([x, w]);
      });
      assertClose(backend, describeCase(c, `mult ${c.multiplier}`), cpu, other, ['dx', 'dw']);
    });
  });
});

/**
 * TF.js refuses gradients through dilated convolutions, but the depthwise backprop kernels take a
 * dilations attribute. The cpu backend's depthwise backprops ignore it in their loops, so the reference
 * is the cpu kernel run undilated with the filter's zeros written out: a filter of size (K−1)·d+1 with
 * the taps d apart has the same padding ('same' pads by the effective size) and the same products.
 */
for (const backend of BACKENDS) describe(`depthwise backprop kernels with dilation 2 on ${backend} equal cpu on the zero-inserted filter`, () => {
  const cases = [
    { batch: 2, height: 11, width: 9, inChannels: 3, multiplier: 2, kernel: [3, 3] as Pair, pad: 'same' as Pad },
    { batch: 1, height: 12, width: 12, inChannels: 4, multiplier: 1, kernel: [3, 2] as Pair, pad: 'valid' as Pad },
    { batch: 8, height: 10, width: 7, inChannels: 2, multiplier: 1, kernel: [2, 3] as Pair, pad: [[0, 0], [2, 1], [1, 2], [0, 0]] as Pad },
  ];
  const dilation = 2;
  cases.forEach((c, index) => {
    const label = describeCase({ ...c, strides: [1, 1] }, `mult ${c.multiplier} dilation ${dilation}`);
    test(label, async () => {
      const [kh, kw] = c.kernel;
      const effective: Pair = [(kh - 1) * dilation + 1, (kw - 1) * dilation + 1];
      const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
      const wShape: [number, number, number, number] = [kh, kw, c.inChannels, c.multiplier];
      const xValues = seeded(xShape.reduce((a, b) => a * b), 2000 + index);
      const wValues = seeded(wShape.reduce((a, b) => a * b), 2100 + index);
      const dilated = dilateFilter(wValues, wShape, dilation);
      const attrs = { strides: [1, 1], pad: c.pad };

      assert.ok(await tf.setBackend('cpu'));
      const reference = tf.tidy(() => {
        const x = tf.tensor4d(xValues, xShape);
        const y = tf.depthwiseConv2d(x, tf.tensor4d(dilated, [effective[0], effective[1], c.inChannels, c.multiplier]), 1, c.pad);
        const dy = tf.tensor4d(seeded(y.size, 2200 + index), y.shape);
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.tensor4d(dilated, [effective[0], effective[1], c.inChannels, c.multiplier]) },
          { ...attrs, dilations: [1, 1], inputShape: xShape }) as tf.Tensor;
        const dwFull = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy },
          { ...attrs, dilations: [1, 1], filterShape: [effective[0], effective[1], c.inChannels, c.multiplier] }) as tf.Tensor4D;
        const dw = tf.stridedSlice(dwFull, [0, 0, 0, 0], [effective[0], effective[1], c.inChannels, c.multiplier], [dilation, dilation, 1, 1]);
        return { dyValues: Float32Array.from(dy.dataSync()), dyShape: dy.shape, dx: Float32Array.from(dx.dataSync()), dw: Float32Array.from(dw.dataSync()) };
      });

      assert.ok(await tf.setBackend(backend));
      if (backend === 'webgpu') {
        // tfjs-webgpu's dilated input gradient is wrong and no studio model is dilated: refused, never wrong silently
        assert.throws(
          () => tf.tidy(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.tensor(reference.dyValues, reference.dyShape), filter: tf.tensor4d(wValues, wShape) }, { ...attrs, dilations: [dilation, dilation], inputShape: xShape })),
          /dilations > 1 is wrong on tfjs-webgpu/,
        );
        return;
      }
      const [dx, dw] = await readAll(tf.tidy(() => {
        const x = tf.tensor4d(xValues, xShape);
        const dy = tf.tensor(reference.dyValues, reference.dyShape);
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.tensor4d(wValues, wShape) },
          { ...attrs, dilations: [dilation, dilation], inputShape: xShape }) as tf.Tensor;
        const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy },
          { ...attrs, dilations: [dilation, dilation], filterShape: wShape }) as tf.Tensor;
        return [dx, dw];
      }));
      assertClose(backend, label, [reference.dx, reference.dw], [dx!, dw!], ['dx', 'dw']);
    });
  });
});

function dilateFilter(values: Float32Array, [kh, kw, c, m]: [number, number, number, number], d: number): Float32Array {
  const ekw = (kw - 1) * d + 1;
  const out = new Float32Array(((kh - 1) * d + 1) * ekw * c * m);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = (i * kw + j) * c * m;
      out.set(values.subarray(from, from + c * m), (i * d * ekw + j * d) * c * m);
    }
  }
  return out;
}

/** Direct kernel calls for what the gradient path never produces: a rounding mode that grows the output. */
for (const backend of BACKENDS) describe(`conv2d backprop kernels with dimRoundingMode ceil on ${backend} equal cpu`, () => {
  test('x [3,10,9,4] k 3×3 s 2 pad 1 ceil, and Ci 12', async () => {
    for (const ci of [4, 12]) {
      const xShape: [number, number, number, number] = [3, 10, 9, ci];
      const filterShape: [number, number, number, number] = [3, 3, ci, 5];
      const attrs = { strides: [2, 2], pad: 1, dataFormat: 'NHWC', dimRoundingMode: 'ceil' };
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, 2, 1, 1, 'ceil');
      const xValues = seeded(xShape.reduce((a, b) => a * b), 3000 + ci);
      const wValues = seeded(filterShape.reduce((a, b) => a * b), 3100 + ci);
      const dyValues = seeded(info.outShape.reduce((a, b) => a * b), 3200 + ci);
      const { cpu, other } = await onCpuAnd(backend, () => {
        const dy = tf.tensor4d(dyValues, info.outShape);
        return [
          tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xValues, xShape), dy }, { ...attrs, filterShape }) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: tf.tensor4d(wValues, filterShape) }, { ...attrs, inputShape: xShape }) as tf.Tensor,
        ];
      });
      assertClose(backend, `ceil Ci ${ci}`, cpu, other, ['dw', 'dx']);
    }
  });
});

/**
 * MaxPoolGrad: the gradient goes to each window's first maximum. Inputs are rounded to halves and
 * half of them zeroed so that most windows hold ties, and many windows' maximum is ≤ 0 (where wasm's own
 * kernel drops the gradient). The last four cases are windows that do not tile the input (overlapping,
 * padded, uneven, non-power-of-two), which take the general path.
 */
for (const backend of BACKENDS) describe(`maxPool gradients on ${backend} equal cpu, ties included`, () => {
  const cases: { shape: [number, number, number, number]; filter: Pair; strides: Pair; pad: 'same' | 'valid' }[] = [
    { shape: [8, 12, 10, 3], filter: [2, 2], strides: [2, 2], pad: 'valid' },
    { shape: [1, 8, 8, 16], filter: [2, 2], strides: [2, 2], pad: 'same' },
    { shape: [4, 16, 8, 2], filter: [4, 2], strides: [4, 2], pad: 'valid' },
    { shape: [2, 8, 12, 5], filter: [1, 4], strides: [1, 4], pad: 'valid' },
    { shape: [16, 28, 28, 16], filter: [2, 2], strides: [2, 2], pad: 'valid' },
    { shape: [4, 9, 9, 3], filter: [3, 3], strides: [2, 2], pad: 'same' },
    { shape: [4, 9, 7, 3], filter: [2, 2], strides: [2, 2], pad: 'valid' },
    { shape: [4, 9, 9, 3], filter: [3, 3], strides: [3, 3], pad: 'valid' },
    { shape: [4, 10, 10, 3], filter: [2, 2], strides: [1, 1], pad: 'same' },
  ];
  cases.forEach((c, index) => {
    const label = `x [${c.shape}] window ${c.filter.join('×')} s ${c.strides.join(',')} ${c.pad}`;
    test(label, async () => {
      const xValues = seeded(c.shape.reduce((a, b) => a * b), 4000 + index).map((v, i) => (i % 2 === 0 ? 0 : Math.round(v * 2) / 2));
      const { cpu, other } = await onCpuAnd(backend, () => {
        const x = tf.tensor4d(xValues, c.shape);
        const loss = (xs: tf.Tensor) => {
          const y = tf.maxPool(xs as tf.Tensor4D, c.filter, c.strides, c.pad);
          return tf.sum(tf.mul(y, tf.tensor(seeded(y.size, 4100 + index), y.shape)));
        };
        return tf.grads(loss)([x]);
      });
      assertClose(backend, label, cpu, other, ['dx']);
    });
  });
});

/** What a backend holds: wasm's heap, webgpu's bytes in GPU buffers, besides what every backend counts. */
function memoryOf(name: string): Record<string, number> {
  const backend = tf.backend();
  const common = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, dataIds: backend.numDataIds() };
  if (name === 'wasm') return { ...common, heap: ((backend as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength };
  return { ...common, bytesInGpu: (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? -1 };
}

for (const name of BACKENDS) describe(`gradient kernels on ${name} free what they allocate`, () => {
  test(`repeated gradient steps leave tensors, tensor bytes, backend data and the ${name === 'wasm' ? 'wasm heap' : 'GPU bytes'} unchanged`, async () => {
    assert.ok(await tf.setBackend(name));
    const x = tf.tensor4d(seeded(8 * 16 * 16 * 3, 7), [8, 16, 16, 3]);
    const w1 = tf.variable(tf.tensor4d(seeded(3 * 3 * 3 * 12, 8), [3, 3, 3, 12]));
    const w2 = tf.variable(tf.tensor4d(seeded(3 * 3 * 12, 9).map((v) => v * 0.5), [3, 3, 12, 1]));
    const w3 = tf.variable(tf.tensor4d(seeded(3 * 3 * 12 * 10, 10).map((v) => v * 0.1), [3, 3, 12, 10]));
    const w4 = tf.variable(tf.tensor4d(seeded(3 * 3 * 10 * 6, 11).map((v) => v * 0.1), [3, 3, 10, 6]));
    const gray = tf.tensor4d(seeded(8 * 16 * 16, 13), [8, 16, 16, 1]);
    const w0 = tf.variable(tf.tensor4d(seeded(3 * 3 * 4, 14), [3, 3, 1, 4]));
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        // Ci 3: filter gradient by per-tap products; overlapping pooling: MaxPoolGrad by taps
        const h1 = tf.maxPool(tf.relu(tf.conv2d(x, w1, 1, 'same')), 2, 1, 'same');
        // tiling pooling: the elementwise MaxPoolGrad; depthwise gradients with stride 2
        const h2 = tf.depthwiseConv2d(tf.maxPool(h1, 2, 2, 'valid'), w2, 2, 'same');
        const h3 = tf.conv2d(h2, w3, 2, 'same'); // Ci 12, stride 2: filter gradient by phases; phase-split input gradient
        const h4 = tf.conv2d(h3, w4, 1, 'same'); // Ci 10, stride 1
        const h0 = tf.conv2d(gray, w0, 1, 'same'); // Ci 1: batch-depthwise filter gradient
        return tf.add(tf.sum(tf.square(h4)), tf.sum(tf.square(h0)));
      });
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (let i = 0; i < 3; i++) step();
    const start = memoryOf(name);
    for (let i = 0; i < 30; i++) step();
    assert.deepEqual(memoryOf(name), start);
    tf.dispose([x, gray, w0, w1, w2, w3, w4]);
  });
});

// wasm's are the studio's own (they share memory instead of copying); webgpu's are its own, checked alike
for (const name of BACKENDS) describe(`Identity and same-type Cast on ${name} keep their values`, () => {
  test('a clone or cast keeps its values when either tensor is disposed, and frees nothing twice; other casts convert', async () => {
    assert.ok(await tf.setBackend(name));
    const backend = tf.backend();
    const dataIdsBefore = backend.numDataIds();
    const values = seeded(2 * 3 * 4, 12);
    // computed, so that on webgpu the values live in a GPU buffer, not in the upload's CPU copy
    const original = tf.tidy(() => tf.mul(tf.tensor3d(values, [2, 3, 4]), 1));
    const first = tf.clone(original);
    original.dispose();
    assert.deepEqual(await first.data(), values);
    const second = tf.clone(first);
    second.dispose();
    assert.deepEqual(await first.data(), values);
    first.dispose();
    assert.equal(backend.numDataIds(), dataIdsBefore);
    const floats = tf.tidy(() => tf.mul(tf.tensor1d([1.5, -2.25]), 1));
    const sameType = tf.cast(floats, 'float32');
    const integers = tf.cast(floats, 'int32');
    floats.dispose();
    assert.deepEqual(Array.from(await sameType.data()), [1.5, -2.25]);
    assert.equal(integers.dtype, 'int32');
    assert.deepEqual(Array.from(await integers.data()), [1, -2]);
    tf.dispose([sameType, integers]);
    assert.equal(backend.numDataIds(), dataIdsBefore);
    if (name !== 'wasm') return; // webgpu keeps strings on the CPU side; wasm's Identity handles them itself
    const strings = tf.tensor1d(['a', 'b']);
    const stringClone = tf.clone(strings);
    assert.deepEqual(stringClone.dataSync(), ['a', 'b']);
    tf.dispose([strings, stringClone]);
  });
});

describe('registration', () => {
  test('is idempotent and leaves the kernels registered for wasm', () => {
    registerWasmGradientKernels();
    registerWasmGradientKernels();
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'Identity', 'Cast']) {
      assert.ok(tf.getKernel(name, 'wasm'), `${name} is registered`);
    }
  });

  test(`summary: every case within ${TOLERANCE}`, () => {
    // node:test runs tests in order, so every comparison above has run by now.
    for (const name of BACKENDS) {
      console.log(`gradient kernels on ${name}: ${casesRun.get(name) ?? 0} comparisons, worst relative error ${(worstError.get(name) ?? 0).toExponential(2)}`);
      assert.ok((casesRun.get(name) ?? 0) > 0, `${name}: comparisons ran`);
    }
  });
});
