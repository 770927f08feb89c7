/**
 * Gradient kernels the wasm backend lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput), built only from kernels it has, plus replacements for some it has
 * but that are scalar loops or copies: Conv2DBackpropInput (~13× slower than this), MaxPoolGrad (2×
 * slower, and wrong for windows whose maximum is ≤ 0), BatchMatMul with transposed operands, Identity
 * and same-type Cast (copies).
 *
 * Every kernel here rewrites the gradient as forward convolutions or matrix products so that XNNPACK
 * (behind wasm's Conv2D, DepthwiseConv2dNative and BatchMatMul) does the arithmetic; the rest is layout
 * (Transpose, PadV2, Reverse, or one JavaScript pass over heap views where those are slow) and
 * elementwise kernels. Kernels call the other kernels' kernelFuncs directly, bypassing the engine, so
 * each one frees its own intermediates (KernelScope). Results equal the cpu backend's within float
 * rounding for finite inputs (test/engine/gradientKernels.test.ts); selecting values with one-hot
 * filters multiplies the other values by 0, so an infinite input can turn into NaN where cpu keeps it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type ConvInfo = tf.backend_util.Conv2DInfo;
type Pads4 = [[number, number], [number, number], [number, number], [number, number]];
type Pair = [number, number];
interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** The part of the wasm module that forgets a tensor id (what BackendWasm.disposeData calls after freeing). */
interface WasmDisposer {
  tfjs: { disposeData(id: number): void };
}

// ---------------------------------------------------------------------------------------------
// Calling wasm kernels from inside a kernel
// ---------------------------------------------------------------------------------------------

/**
 * Runs other wasm kernels and remembers what they allocate. Kernels called this way bypass the
 * engine, so nothing else would ever free their outputs (a wasm heap leak that tf.memory() never shows).
 */
class KernelScope {
  private readonly temps: Info[] = [];
  private readonly views: Info[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap | Info[], attrs: object = {}): Info {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`The wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as Info;
    this.temps.push(out);
    return out;
  }

  /** A float32 constant on the wasm heap (one-hot filters). */
  constant(shape: number[], values: Float32Array): Info {
    const out = this.backend.makeOutput(shape, 'float32', undefined, values);
    this.temps.push(out);
    return out;
  }

  /** A fresh float32 tensor on the wasm heap whose values the caller writes (through `heap`). */
  allocate(shape: number[]): Info {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }

  /** The tensor's values on the wasm heap, as a view (no copy; wasm's own readSync copies the whole tensor). */
  heap(t: Info): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /**
   * `shape` elements of `t`'s memory starting `offset` elements in, as a tensor of its own without a copy:
   * how a GEMM reads a shifted window of a buffer. Views are unregistered, never freed, by `release`.
   */
  view(t: Info, offset: number, shape: number[]): Info {
    const base = this.backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const out = this.backend.makeOutput(shape, 'float32', base + offset * Float32Array.BYTES_PER_ELEMENT);
    this.views.push(out);
    return out;
  }

  /** Takes over an intermediate made by another of our kernel functions (which returned it unowned). */
  adopt(t: Info): void {
    this.temps.push(t);
  }

  /** Frees every intermediate except `result`, which the caller hands to the engine. */
  release(result: Info | undefined): void {
    // a view's memory belongs to its base tensor: forget the registration (which also drops any XNNPACK
    // operator cached on it) without freeing
    for (const v of this.views) {
      const data = this.backend.dataIdMap.get(v.dataId);
      if (!data) continue;
      (this.backend.wasm as unknown as WasmDisposer).tfjs.disposeData(data.id);
      this.backend.dataIdMap.delete(v.dataId);
    }
    this.views.length = 0;
    for (const t of this.temps) if (t.dataId !== result?.dataId) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` and frees its intermediates, also when it throws. */
function inScope(backend: unknown, body: (s: KernelScope) => Info): Info {
  const scope = new KernelScope(backend as BackendWasm);
  let result: Info | undefined;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.release(result);
  }
}

/** Same data under another shape: no kernel, no copy, nothing new to free. */
function reshaped(t: Info, shape: number[]): Info {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

function transpose(s: KernelScope, x: Info, perm: number[]): Info {
  return s.run('Transpose', { x }, { perm });
}

function pad(s: KernelScope, x: Info, paddings: number[][]): Info {
  return s.run('PadV2', { x }, { paddings, constantValue: 0 });
}

/** wasm's Slice copies the whole input first, so it is only used on small tensors or rare shapes. */
function slice(s: KernelScope, x: Info, begin: number[], size: number[]): Info {
  return s.run('Slice', { x }, { begin, size });
}

function sum(s: KernelScope, x: Info, axis: number[]): Info {
  return s.run('Sum', { x }, { axis, keepDims: false });
}

function conv2d(s: KernelScope, x: Info, filter: Info, strides: Pair, dilations: Pair, pads: Pads4): Info {
  return s.run('Conv2D', { x, filter }, { strides, pad: pads, dataFormat: 'NHWC', dilations });
}

function depthwiseConv2d(s: KernelScope, x: Info, filter: Info, strides: Pair, dilations: Pair, pads: Pads4): Info {
  return s.run('DepthwiseConv2dNative', { x, filter }, { strides, pad: pads, dilations });
}

function explicitPads(top: number, bottom: number, left: number, right: number): Pads4 {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

function assertChannelsLast(dataFormat: string | undefined, kernelName: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports only dataFormat 'NHWC' (as wasm's Conv2D does), got '${dataFormat}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Filter gradients
// ---------------------------------------------------------------------------------------------
//
// dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·s + kh·d, ow·s + kw·d, ci] · dy[n,oh,ow,co]
//
// Read with (kh,kw) as output position and (oh,ow) as filter tap, this is a convolution of x with dy
// as the filter: stride d (the forward dilation), dilation s (the forward stride), the forward padding
// on top/left. Bottom/right padding only has to let the last tap reach; when the input has rows no
// tap uses, the convolution yields extra output rows that are cut off.

/** Padding for the "x convolved with dy" form, and how big its output comes out. */
function filterGradWindow(info: ConvInfo): { pads: Pads4; outHeight: number; outWidth: number } {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, (kh - 1) * dh + (info.outHeight - 1) * sh + 1 - info.inHeight - top);
  const right = Math.max(0, (kw - 1) * dw + (info.outWidth - 1) * sw + 1 - info.inWidth - left);
  const outHeight = Math.floor((info.inHeight + top + bottom - ((info.outHeight - 1) * sh + 1)) / dh) + 1;
  const outWidth = Math.floor((info.inWidth + left + right - ((info.outWidth - 1) * sw + 1)) / dw) + 1;
  return { pads: explicitPads(top, bottom, left, right), outHeight, outWidth };
}

/** Keeps the first KH×KW positions of a [B, KH', KW', C] result (a no-op in the usual case). */
function cropFilterWindow(s: KernelScope, t: Info, kh: number, kw: number): Info {
  const [b, h, w, c] = t.shape as [number, number, number, number];
  return h === kh && w === kw ? t : slice(s, t, [0, 0, 0, 0], [b, kh, kw, c]);
}

function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad: padding, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast(dataFormat, 'Conv2DBackpropFilter');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, padding, dimRoundingMode, false, 'channelsLast');
  return inScope(backend, (s) => {
    if (info.inChannels <= MAX_IN_CHANNELS_FOR_BATCH_DEPTHWISE) return filterGradByBatchDepthwise(s, x, dy, info);
    return filterGradByShiftedGemms(s, x, dy, info);
  });
}

/**
 * Where the depthwise form stops paying. Measured (batch 128, 3×3, fresh tensors, ms of CPU, depthwise
 * form vs per-tap products): Ci=1,Co=16,28² 6.7 vs 13.1; Ci=3,Co=16,32² 12.9 vs 12.7; Ci=4,Co=16,28²
 * 12.5 vs 10.3; Ci=8,Co=16,28² 19.8 vs 15.1; Ci=16,Co=32,14² 15.6 vs 12.7; Ci=32,Co=64,8² 20.7 vs 16.6;
 * stride 2, Ci=16,Co=32,32² 31.2 vs 20.4.
 */
const MAX_IN_CHANNELS_FOR_BATCH_DEPTHWISE = 2;

/**
 * Per filter tap, dW[kh,kw] = X_tap · dY, one matrix product [Ci, L]·[L, Co] over L = every position of
 * a grid [N, Hg, Wg]. dY is dy zero-padded onto that grid, in its own layout (no transpose). X holds the
 * padded images channel by channel, split by stride phase: phase (a, b) has the padded rows ≡ a (mod sh)
 * and columns ≡ b (mod sw), so tap kh = sh·u + a reads phase a's grid row oh + u, and X_tap is X's phase
 * (a, b) read u·Wg + v elements later — a view, no copy. Where dy is padding the product is 0 (a row's
 * last reads spill into the next channel's or phase's first values, or into the zero image at the end,
 * always against dy's zero padding). All KH·KW products share dY, so XNNPACK packs it once. Versus the
 * convolution form (ms of CPU, batch 128, 3×3, stride 1, Ci = Co): 32²×16 40 → 29, 16²×32 32 → 27,
 * 8²×64 28.5 → 25.5 (the convolution form paid for two big transposes and wasm's own copy of dy into
 * XNNPACK's filter layout).
 */
function filterGradByShiftedGemms(s: KernelScope, x: Info, dy: Info, info: ConvInfo): Info {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // each phase's grid holds its share of padded x and every tap's reach from every dy position
  const grid: PhaseGrid = {
    height: Math.max(Math.ceil((h + top) / sh), oh + Math.floor((kh - 1) / sh)),
    width: Math.max(Math.ceil((w + left) / sw), ow + Math.floor((kw - 1) / sw)),
    strideHeight: sh, strideWidth: sw, top, left,
  };
  const gridSize = n * grid.height * grid.width;
  const planes = phasePlanes(s, x, grid);
  const dyGrid = reshaped(onGrid(s, dy, grid.height, grid.width), [1, gridSize, co]);
  const grad = s.allocate([kh, kw, ci, co]);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const phase = (i % sh) * sw + (j % sw);
      const offset = phase * ci * gridSize + Math.floor(i / sh) * grid.width + Math.floor(j / sw);
      const xTap = s.view(planes, offset, [1, ci, gridSize]);
      const product = s.run('BatchMatMul', { a: xTap, b: dyGrid }, { transposeA: false, transposeB: false }); // [1, Ci, Co]
      // fresh heap views after every kernel: an allocation that grows wasm memory detaches the old ones
      s.heap(grad).set(s.heap(product), (i * kw + j) * ci * co);
    }
  }
  return grad;
}

/** Where padded x lands: grid rows and columns per phase, the forward strides and padding. */
interface PhaseGrid {
  height: number;
  width: number;
  strideHeight: number;
  strideWidth: number;
  top: number;
  left: number;
}

/**
 * x [N, H, W, C] → [sh, sw, C, N, Hg, Wg]: padded row R, column K of image n, channel c goes to phase
 * (R mod sh, K mod sw) at grid position (⌊R/sh⌋, ⌊K/sw⌋); zeros elsewhere, plus one zero image at the end
 * (where the last shifted reads run out). One pass in JavaScript over heap views: wasm's Transpose and
 * PadV2 are scalar loops and two passes (10 ms against 4 for 32²×16).
 */
function phasePlanes(s: KernelScope, x: Info, grid: PhaseGrid): Info {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const { height, width, strideHeight: sh, strideWidth: sw, top, left } = grid;
  const image = height * width;
  const plane = n * image;
  const out = s.allocate([sh * sw * c * plane + image]);
  const source = s.heap(x);
  const target = s.heap(out).fill(0);
  let read = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const paddedRow = r + top;
      const rowPhase = paddedRow % sh;
      const rowStart = rowPhase * sw * c * plane + b * image + ((paddedRow - rowPhase) / sh) * width;
      for (let col = 0; col < w; col++) {
        const paddedCol = col + left;
        const colPhase = paddedCol % sw;
        let at = rowStart + colPhase * c * plane + (paddedCol - colPhase) / sw;
        for (let channel = 0; channel < c; channel++, at += plane) target[at] = source[read++]!;
      }
    }
  }
  return out;
}

/** dy [N, OH, OW, C] placed at the top left of an [N, Hp, Wp, C] grid of zeros (row copies). */
function onGrid(s: KernelScope, dy: Info, gridHeight: number, gridWidth: number): Info {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const out = s.allocate([n, gridHeight, gridWidth, c]);
  const source = s.heap(dy);
  const target = s.heap(out).fill(0);
  const row = ow * c;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const from = (b * oh + r) * row;
      target.set(source.subarray(from, from + row), (b * gridHeight + r) * gridWidth * c);
    }
  }
  return out;
}

/**
 * The filter gradient as one depthwise convolution: x as [Ci, H, W, N] (batch Ci, channels N), dy as a
 * depthwise filter [OH, OW, N, Co] (channel multiplier Co), so channel n of x is convolved only with
 * dy's image n, and the sum over n comes after. XNNPACK runs N small GEMMs of K = OH·OW, with M = Ci·KH·KW
 * rows each; wins when Ci is small, as in a network's first layer, where the per-tap products above
 * would have only Ci rows.
 */
function filterGradByBatchDepthwise(s: KernelScope, x: Info, dy: Info, info: ConvInfo): Info {
  const { batchSize: n, inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const { pads, outHeight, outWidth } = filterGradWindow(info);
  const xT = transpose(s, x, [3, 1, 2, 0]); // [Ci, H, W, N]
  const dyT = transpose(s, dy, [1, 2, 0, 3]); // [OH, OW, N, Co] = a depthwise filter with multiplier Co
  const perImage = depthwiseConv2d(s, xT, dyT, [info.dilationHeight, info.dilationWidth], [info.strideHeight, info.strideWidth], pads);
  const summed = sum(s, reshaped(perImage, [ci, outHeight, outWidth, n, co]), [3]); // [Ci, KH', KW', Co]
  return transpose(s, cropFilterWindow(s, summed, kh, kw), [1, 2, 0, 3]);
}

/**
 * Depthwise: dW[kh,kw,c,q] = Σ_{n,oh,ow} xpad[n, oh·s + kh·d, ow·s + kw·d, c] · dy[n,oh,ow,c·M+q].
 * Per filter tap: a depthwise convolution with a one-hot filter cuts out exactly the x values that tap
 * saw in the forward pass (same strides, dilations, padding), repeated M times; multiply by dy; sum over
 * n, oh, ow with an average pool (wasm's Sum over leading axes transposes first and is 3× slower).
 * The batch-as-channels form (one depthwise convolution with an OH×OW kernel) was 15–90 ms on
 * MobileNet-like shapes because XNNPACK falls back to one tiny GEMM per channel; this form is 18–37 ms.
 */
function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, dilations, pad: padding, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations, padding, dimRoundingMode, true);
  const { batchSize: n, inChannels: c, outChannels: cm, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const m = cm / c;
  return inScope(backend, (s) => {
    const pads = forwardPads(info);
    const perTap: Info[] = [];
    for (let tap = 0; tap < kh * kw; tap++) {
      const seen = depthwiseConv2d(s, x, oneHotDepthwiseFilter(s, kh, kw, c, m, tap),
        [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], pads); // [N, OH, OW, C·M]
      const products = s.run('Multiply', { a: seen, b: dy });
      const mean = s.run('AvgPool', { x: products }, { filterSize: [oh, ow], strides: 1, pad: 'valid' }); // [N, 1, 1, C·M]
      perTap.push(reshaped(mean, [1, n, cm]));
    }
    const means = perTap.length === 1 ? perTap[0]! : s.run('Concat', perTap, { axis: 0 });
    const total = sum(s, means, [1]); // [KH·KW, C·M], still divided by OH·OW
    const scale = s.constant([], Float32Array.of(oh * ow));
    return reshaped(s.run('Multiply', { a: total, b: scale }), [kh, kw, c, m]);
  });
}

/** [KH, KW, C, M] with ones at filter position `tap` for every channel: picks one tap of the window. */
function oneHotDepthwiseFilter(s: KernelScope, kh: number, kw: number, c: number, m: number, tap: number): Info {
  const values = new Float32Array(kh * kw * c * m);
  values.fill(1, tap * c * m, (tap + 1) * c * m);
  return s.constant([kh, kw, c, m], values);
}

/**
 * The forward convolution's padding, made explicit so the output has exactly OH×OW positions also
 * when dimRoundingMode rounded the output size up (wasm's kernels would size the output from the
 * rounded shape but let XNNPACK compute a smaller one).
 */
function forwardPads(info: ConvInfo): Pads4 {
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - top);
  const right = Math.max(0, (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - left);
  return explicitPads(top, bottom, left, right);
}

// ---------------------------------------------------------------------------------------------
// Input gradients
// ---------------------------------------------------------------------------------------------

/**
 * dx is the forward convolution run backwards: a stride-1 convolution of dy (with s−1 zeros inserted
 * after each row and column when the forward stride s > 1) with the spatially flipped filter. The
 * forward pass read row oh·s + kh·d − top, so with the filter flipped the top padding becomes
 * (KH−1)·d − top. `convolve` runs that convolution on the prepared dy. Used for depthwise, where the
 * zeros cost little; Conv2DBackpropInput splits by phase instead (below).
 */
function inputGradByConv(s: KernelScope, dy: Info, info: ConvInfo, convolve: (dyUp: Info, pads: Pads4) => Info): Info {
  const { batchSize: n, inHeight: h, inWidth: w } = info;
  const dyUp = insertZeros(s, dy, info.strideHeight, info.strideWidth);
  const rows = inputGradPads(dyUp.shape[1]!, h, info.effectiveFilterHeight, info.padInfo.top);
  const cols = inputGradPads(dyUp.shape[2]!, w, info.effectiveFilterWidth, info.padInfo.left);
  const full = convolve(dyUp, explicitPads(rows.before, rows.after, cols.before, cols.after));
  if (rows.crop === 0 && cols.crop === 0 && full.shape[1] === h && full.shape[2] === w) return full;
  return slice(s, full, [0, rows.crop, cols.crop, 0], [n, h, w, full.shape[3]!]);
}

/**
 * Padding for a stride-1 convolution over `length` rows of (zero-inserted) dy whose output row i is
 * dx row i. Padding cannot be negative: a negative "before" (forward padding wider than the filter)
 * becomes leading output rows to cut, a negative "after" trailing ones.
 */
function inputGradPads(length: number, outLength: number, effectiveFilter: number, forwardPadBefore: number) {
  const before = effectiveFilter - 1 - forwardPadBefore;
  const after = outLength + effectiveFilter - 1 - before - length;
  return { before: Math.max(0, before), after: Math.max(0, after), crop: Math.max(0, -before) };
}

/**
 * [N, OH, OW, C] → [N, OH·sh, OW·sw, C], each value followed by zeros. Two rank-3 pads, because wasm's
 * PadV2 is fast up to rank 4 and a single pad would need rank 6.
 */
function insertZeros(s: KernelScope, dy: Info, sh: number, sw: number): Info {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  let out = dy;
  if (sw > 1) out = pad(s, reshaped(out, [n * oh * ow, 1, c]), [[0, 0], [0, sw - 1], [0, 0]]);
  if (sh > 1) out = pad(s, reshaped(out, [n * oh, 1, ow * sw * c]), [[0, 0], [0, sh - 1], [0, 0]]);
  return reshaped(out, [n, oh * sh, ow * sw, c]);
}

/**
 * Replaces wasm's Conv2DBackpropInput, a scalar loop: dy [128,14,14,32], filter [3,3,16,32] 92 → 7 ms;
 * stride 2, x [128,32,32,16] → 32 channels 108 → 17 ms. Stride 1 is the flipped-filter convolution
 * above. For stride s, zero-inserting dy would spend (s²−1)/s² of the products on zeros (35 ms for the
 * stride-2 case, against 8 ms for its forward pass), so the convolution is split by output phase: dx
 * rows s·i + a only ever meet the filter taps kh ≡ const (mod s), so each phase (a, b) is a stride-1
 * convolution of dy itself with a sub-filter. All s² sub-filters sit side by side as output channels
 * of ONE convolution, whose output [N, H/s, W/s, (a, b, Ci)] a transpose interleaves into dx.
 */
function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, pad: padding, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertChannelsLast(dataFormat, 'Conv2DBackpropInput');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, padding, dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, strideHeight: sh, strideWidth: sw } = info;
  const rows = phasePlan(info.filterHeight, sh, info.padInfo.top, info.outHeight, h);
  const cols = phasePlan(info.filterWidth, sw, info.padInfo.left, info.outWidth, w);
  return inScope(backend, (s) => {
    const phaseFilter = phaseFilters(s, filter, rows, cols, sh, sw); // [Mh, Mw, Co, sh·sw·Ci]
    let phases = conv2d(s, dy, phaseFilter, [1, 1], [1, 1], explicitPads(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter));
    if (rows.cropBefore > 0 || cols.cropBefore > 0 || phases.shape[1] !== rows.phaseLength || phases.shape[2] !== cols.phaseLength) {
      phases = slice(s, phases, [0, rows.cropBefore, cols.cropBefore, 0], [n, rows.phaseLength, cols.phaseLength, sh * sw * ci]);
    }
    // [N·H/s, W/s, a, (b, Ci)] → [N·H/s, a, W/s, (b, Ci)] is dx with rows s·i + a and columns s·j + b.
    const interleaved = sh * sw === 1 ? phases : transpose(s, reshaped(phases, [n * rows.phaseLength, cols.phaseLength, sh, sw * ci]), [0, 2, 1, 3]);
    const dx = reshaped(interleaved, [n, rows.phaseLength * sh, cols.phaseLength * sw, ci]);
    return dx.shape[1] === h && dx.shape[2] === w ? dx : slice(s, dx, [0, 0, 0, 0], [n, h, w, ci]);
  });
}

/**
 * One spatial dimension of the phase split. With the filter flipped, dx[h] = Σ_k dyUp[h − t + k]·wf[k]
 * where t = K−1−padBefore and dyUp is dy with s−1 zeros after each value. Writing h = s·i + a and
 * padding wf with `lead` zeros in front (so that t + align is a multiple of s, plus s−1 more) gives
 * dx[s·i + a] = Σ_m dy[i + m − padBefore] · W[s·m + s−1−a]: for each phase a a stride-1 convolution of
 * dy with every s-th tap of the padded flipped filter W, `taps` taps long.
 */
interface PhasePlan {
  lead: number;
  taps: number;
  padBefore: number;
  padAfter: number;
  cropBefore: number;
  phaseLength: number;
}

function phasePlan(filter: number, stride: number, forwardPadBefore: number, dyLength: number, dxLength: number): PhasePlan {
  const t = filter - 1 - forwardPadBefore;
  const align = (((-t) % stride) + stride) % stride;
  const lead = align + stride - 1;
  const taps = Math.ceil((filter + lead) / stride);
  const before = (t + align) / stride;
  const phaseLength = Math.ceil(dxLength / stride);
  const after = phaseLength + taps - 1 - before - dyLength;
  // Padding cannot be negative: a negative "before" becomes leading rows to cut, a negative "after" trailing ones.
  return {
    lead, taps, phaseLength,
    padBefore: Math.max(0, before), padAfter: Math.max(0, after), cropBefore: Math.max(0, -before),
  };
}

/**
 * [KH, KW, Ci, Co] → [Mh, Mw, Co, (a, b, Ci)]: the flipped filter's taps for each output phase. Tap m of
 * phase a is row s·m + s−1−a of the flipped filter padded with `lead` rows in front (zero outside it).
 * Written in one JavaScript pass: filters are small, and wasm's Reverse and Transpose are scalar loops
 * with a high cost per element (20 ms per ResNet-20 step for these few thousand values).
 */
function phaseFilters(s: KernelScope, filter: Info, rows: PhasePlan, cols: PhasePlan, sh: number, sw: number): Info {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const out = s.allocate([rows.taps, cols.taps, co, sh * sw * ci]);
  const source = s.heap(filter);
  const target = s.heap(out);
  let write = 0;
  for (let mh = 0; mh < rows.taps; mh++) {
    for (let mw = 0; mw < cols.taps; mw++) {
      for (let o = 0; o < co; o++) {
        for (let a = 0; a < sh; a++) {
          const flippedRow = sh * mh + sh - 1 - a - rows.lead;
          for (let b = 0; b < sw; b++) {
            const flippedCol = sw * mw + sw - 1 - b - cols.lead;
            const inside = flippedRow >= 0 && flippedRow < kh && flippedCol >= 0 && flippedCol < kw;
            const base = inside ? (((kh - 1 - flippedRow) * kw + (kw - 1 - flippedCol)) * ci) * co + o : 0;
            for (let i = 0; i < ci; i++) target[write++] = inside ? source[base + i * co]! : 0;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Depthwise: each of the C·M channels of dy is convolved with its own flipped filter (a depthwise
 * convolution with multiplier 1), then the M channels that came from one input channel are summed.
 */
function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, dilations, pad: padding, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations, padding, dimRoundingMode, true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: cm, filterHeight: kh, filterWidth: kw } = info;
  return inScope(backend, (s) => {
    const flipped = reshaped(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, cm, 1]);
    const dilations2: Pair = [info.dilationHeight, info.dilationWidth];
    const perChannel = inputGradByConv(s, dy, info, (dyUp, pads) => depthwiseConv2d(s, dyUp, flipped, [1, 1], dilations2, pads));
    return cm === c ? perChannel : sum(s, reshaped(perChannel, [n, h, w, c, cm / c]), [4]);
  });
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad
// ---------------------------------------------------------------------------------------------

/**
 * Replaces wasm's MaxPoolGrad, which is slow (a scalar loop: 31–45 ms for x [128,28,28,16] with 2×2
 * windows, a third of a small CNN's training step) and wrong whenever a window's maximum is ≤ 0
 * (it starts its search at FLT_MIN, so such windows get no gradient: harmless after a ReLU, wrong on
 * raw or normalized inputs). Semantics (cpu backend): each window's gradient goes to its FIRST
 * maximum in row-major order; windows never pick padding. Exact for finite inputs above −FLT_MAX.
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, input: x, output: y } = inputs as { dy: Info; input: Info; output: Info };
  const { filterSize, strides, pad: padding, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, padding, dimRoundingMode);
  return inScope(backend, (s) => (windowsTileInput(info) ? maxPoolGradTiled(s, dy, x, y, info) : maxPoolGradByTaps(s, backend, dy, x, y, info)));
}

/**
 * Windows that tile the input (stride = window, no padding, power-of-two sides: the usual 2×2
 * pooling): 27.5 → 13.5 ms for x [128,28,28,16]. Elementwise on the input's shape, with K = window size:
 *   key    = step(upsample(y) − x, alpha = K+1) · priority   priority = K − position in window (K..1);
 *            step gives 1 below the window's max and K+1 at it, so maxima outrank everything else
 *            and the earliest maximum has the largest key
 *   winner = 1 − step(upsample(maxPool(key)) − key)           1 only where key is the window's largest
 *   dx     = upsample(dy) · winner
 * All values are small integers or exact differences. ResizeNearestNeighbor upsamples exactly for
 * power-of-two factors (its float scale 1/f is exact).
 */
function maxPoolGradTiled(s: KernelScope, dy: Info, x: Info, y: Info, info: ConvInfo): Info {
  const { filterHeight: fh, filterWidth: fw, inHeight: h, inWidth: w } = info;
  const upsample = (t: Info) => s.run('ResizeNearestNeighbor', { images: t }, { size: [h, w], alignCorners: false, halfPixelCenters: false });
  const rank = s.run('Step', { x: s.run('Sub', { a: upsample(y), b: x }) }, { alpha: fh * fw + 1 });
  const key = s.run('Multiply', { a: rank, b: windowPriority(s, h, w, fh, fw) });
  const best = s.run('MaxPool', { x: key }, { filterSize: [fh, fw], strides: [fh, fw], pad: 'valid' });
  const notWinner = step(s, s.run('Sub', { a: upsample(best), b: key }));
  return s.run('Multiply', { a: upsample(dy), b: s.run('Sub', { a: scalar(s, 1), b: notWinner }) });
}

function windowsTileInput(info: ConvInfo): boolean {
  const { filterHeight: fh, filterWidth: fw, padInfo } = info;
  const powerOfTwo = (v: number) => (v & (v - 1)) === 0;
  return info.strideHeight === fh && info.strideWidth === fw && powerOfTwo(fh) && powerOfTwo(fw) &&
    info.outHeight * fh === info.inHeight && info.outWidth * fw === info.inWidth &&
    padInfo.top === 0 && padInfo.left === 0 && padInfo.bottom === 0 && padInfo.right === 0;
}

/** [1, H, W, 1]: window size − (row-major position inside the window), so earlier positions rank higher. */
function windowPriority(s: KernelScope, h: number, w: number, fh: number, fw: number): Info {
  const values = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) values[r * w + c] = fh * fw - ((r % fh) * fw + (c % fw));
  }
  return s.constant([1, h, w, 1], values);
}

/**
 * Any window shape (overlapping, padded, odd): channels become batch ([N·C, H, W, 1]), every window is
 * spread out as K = KH·KW channels (a convolution with a tap-selecting filter; taps that fall on
 * padding get −FLT_MAX added so they never win), the first maximum is found along those K values (an
 * exclusive cumulative sum counts earlier maxima), and the transposed convolution with the same
 * filter sends each window's dy back to its winner, adding up where windows overlap. Slower than
 * wasm's loop (x [128,28,28,16], 3×3 windows, stride 2: 58 vs 39 ms) but right when a window's max is ≤ 0.
 */
function maxPoolGradByTaps(s: KernelScope, backend: unknown, dy: Info, x: Info, y: Info, info: ConvInfo): Info {
  const { batchSize: n, inChannels: c, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
  const k = fh * fw;
  const strides: Pair = [info.strideHeight, info.strideWidth];
  const pads = forwardPads(info);
  const planes = (t: Info, height: number, width: number) => reshaped(transpose(s, t, [0, 3, 1, 2]), [n * c, height, width, 1]);
  const taps = tapSelectingFilter(s, fh, fw);
  const windows = s.run('Add', { a: conv2d(s, planes(x, h, w), taps, strides, [1, 1], pads), b: paddingPenalty(s, info) }); // [N·C, OH, OW, K]
  const repeat = s.constant([1, 1, 1, k], new Float32Array(k).fill(1));
  const spread = (t: Info) => conv2d(s, planes(t, oh, ow), repeat, [1, 1], [1, 1], explicitPads(0, 0, 0, 0)); // each value K times
  const isMax = s.run('Sub', { a: scalar(s, 1), b: step(s, s.run('Sub', { a: spread(y), b: windows })) });
  const earlierMaxima = s.run('Cumsum', { x: isMax }, { axis: 3, exclusive: true, reverse: false });
  // isMax − earlier − ½ > 0 exactly when this is a maximum and none came before it.
  const winner = step(s, s.run('Sub', { a: isMax, b: s.run('Add', { a: earlierMaxima, b: scalar(s, 0.5) }) }));
  const contributions = s.run('Multiply', { a: winner, b: spread(dy) });
  const dxPlanes = conv2dBackpropInput({
    inputs: { dy: contributions, filter: taps }, backend,
    attrs: { strides, pad: pads, dataFormat: 'NHWC', inputShape: [n * c, h, w, 1] } as unknown as tf.NamedAttrMap,
  });
  s.adopt(dxPlanes);
  return transpose(s, reshaped(dxPlanes, [n, c, h, w]), [0, 2, 3, 1]);
}

/** [1, OH, OW, K]: −FLT_MAX where window tap t of output (oh, ow) lies on padding, else 0. */
function paddingPenalty(s: KernelScope, info: ConvInfo): Info {
  const { outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const values = new Float32Array(oh * ow * fh * fw);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      for (let a = 0; a < fh; a++) {
        for (let b = 0; b < fw; b++) {
          const row = i * sh + a - top;
          const col = j * sw + b - left;
          const outside = row < 0 || row >= info.inHeight || col < 0 || col >= info.inWidth;
          if (outside) values[((i * ow + j) * fh + a) * fw + b] = -3.4028234663852886e38;
        }
      }
    }
  }
  return s.constant([1, oh, ow, fh * fw], values);
}

/** [KH, KW, 1, KH·KW]: output channel t of a convolution is the input value at window tap t. */
function tapSelectingFilter(s: KernelScope, kh: number, kw: number): Info {
  const k = kh * kw;
  const values = new Float32Array(k * k);
  for (let t = 0; t < k; t++) values[t * k + t] = 1;
  return s.constant([kh, kw, 1, k], values);
}

function step(s: KernelScope, x: Info): Info {
  return s.run('Step', { x }, { alpha: 0 });
}

function scalar(s: KernelScope, value: number): Info {
  return s.constant([], Float32Array.of(value));
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

/** Kernels wasm does not have. */
const MISSING: tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropFilter as tf.KernelFunc },
  { kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropInput as tf.KernelFunc },
];

/** Kernels wasm has that we replace (measured gains at their definitions). */
// ---------------------------------------------------------------------------------------------
// BatchMatMul without transposed operands
// ---------------------------------------------------------------------------------------------

/** wasm's own BatchMatMul, captured when ours replaces it. */
let wasmBatchMatMul: tf.KernelFunc | undefined;

/**
 * wasm's BatchMatMul reaches XNNPACK only when neither operand is transposed; a transposed one — every
 * dense layer's gradients, xᵀ·dy and dy·Wᵀ — runs a scalar loop (about 100 ms for the small CNN's
 * 3136×128 layer). Transposing the operand explicitly first costs ~3 ns per value and keeps XNNPACK.
 */
function batchMatMul({ inputs, backend, attrs }: KernelArgs): Info {
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const original = wasmBatchMatMul!;
  if (!transposeA && !transposeB) return original({ inputs, backend: backend as object, attrs }) as Info;
  return inScope(backend, (s) => {
    const swapLastTwo = (t: Info) => {
      const rank = t.shape.length;
      return transpose(s, t, [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]);
    };
    const a = transposeA ? swapLastTwo(inputs.a!) : inputs.a!;
    const b = transposeB ? swapLastTwo(inputs.b!) : inputs.b!;
    return original({ inputs: { a, b }, backend: backend as object, attrs: { ...attrs, transposeA: false, transposeB: false } }) as Info;
  });
}

// ---------------------------------------------------------------------------------------------
// Identity without a copy
// ---------------------------------------------------------------------------------------------

/**
 * wasm's Identity copies its input; the engine calls it for every tensor a gradient saves for the
 * backward pass (165 copies per ResNet-20 step, 19 ms of CPU). Tensors are immutable (a variable's assign
 * swaps its data), so the output can share the input's memory, as the cpu backend and wasm's own
 * Reshape do: one more reference, no copy.
 */
function identity({ inputs, backend }: KernelArgs): Info {
  const x = inputs.x!;
  const wasm = backend as BackendWasm;
  if (x.dtype === 'string') return wasmIdentity!({ inputs, backend: wasm }) as Info;
  wasm.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** wasm's own Identity, kept for strings (which do not live on the heap). */
let wasmIdentity: tf.KernelFunc | undefined;

/** wasm's own Cast, for casts that change the type. */
let wasmCast: tf.KernelFunc | undefined;

/**
 * A cast to the type a tensor already has (every ReLU gradient casts its float mask to float32) is an
 * identity: share the memory as above instead of wasm's copy.
 */
function cast({ inputs, backend, attrs }: KernelArgs): Info {
  const { dtype } = attrs as unknown as tf.CastAttrs;
  if (inputs.x!.dtype === dtype) return identity({ inputs, backend });
  return wasmCast!({ inputs, backend: backend as object, attrs }) as Info;
}

const REPLACEMENTS: tf.KernelConfig[] = [
  { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: identity as tf.KernelFunc },
  { kernelName: tf.Cast, backendName: 'wasm', kernelFunc: cast as tf.KernelFunc },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2dBackpropInput as tf.KernelFunc },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc: batchMatMul as tf.KernelFunc },
];

/**
 * Registers the kernels above for the wasm backend. Idempotent. Call after importing
 * '@tensorflow/tfjs-backend-wasm' (whose own registrations must come first, so ours replace them).
 */
export function registerWasmGradientKernels(): void {
  // Importing the wasm package registers its kernels; registered earlier, ours would be overwritten.
  if (!tf.findBackendFactory('wasm')) throw new Error("Import '@tensorflow/tfjs-backend-wasm' before registering its gradient kernels");
  for (const config of MISSING) {
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  }
  for (const config of REPLACEMENTS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue; // already ours
    if (config.kernelName === tf.BatchMatMul) wasmBatchMatMul = current?.kernelFunc;
    if (config.kernelName === tf.Identity) wasmIdentity = current?.kernelFunc;
    if (config.kernelName === tf.Cast) wasmCast = current?.kernelFunc;
    if (current) tf.unregisterKernel(config.kernelName, 'wasm');
    // keep the replaced kernel's setup: wasm kernels bind their C functions in it, and ours may call them
    tf.registerKernel({ ...config, setupFunc: current?.setupFunc });
  }
}
